"""Pages the service serves itself: the demo newspaper that shows the widget at work."""

from commentsvc.web.pages import bp

__all__ = ["bp"]
