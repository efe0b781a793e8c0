FROM traefik:v3.0
COPY traefik.yml /etc/traefik/traefik.yml
COPY dynamic/ /etc/traefik/dynamic/
HEALTHCHECK --interval=5s --timeout=3s --retries=3 CMD ["traefik", "healthcheck", "--ping"]
EXPOSE 80/tcp 443/tcp 8080/tcp
