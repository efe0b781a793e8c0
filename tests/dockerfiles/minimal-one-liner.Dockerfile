FROM busybox
CMD echo hello world
