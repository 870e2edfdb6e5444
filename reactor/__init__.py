"""The treadle reactor: a single-threaded event loop over select/poll/epoll."""
