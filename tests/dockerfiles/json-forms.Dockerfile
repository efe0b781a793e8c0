FROM ubuntu:22.04
RUN ["/bin/bash", "-c", "echo hello > /tmp/hello"]
COPY ["file with spaces.txt", "/opt/app/"]
VOLUME ["/var/lib/app", "/var/log/app"]
ENTRYPOINT ["/usr/bin/env"]
CMD []
