"""The HTTP layer: thin views that parse, call one domain function, and dump."""
