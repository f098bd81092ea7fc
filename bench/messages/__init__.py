"""The message list bench's own pieces (`bench/list_messages.py`)."""
