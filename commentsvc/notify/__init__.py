"""What leaves the service by e-mail: reply notifications and moderator e-mails."""
