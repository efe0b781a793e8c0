FROM postgres:16
ENV POSTGRES_DB=app \
    POSTGRES_USER=app
COPY initdb/ /docker-entrypoint-initdb.d/
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --start-interval=1s --retries=5 \
  CMD pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB" || exit 1
EXPOSE 5432/tcp
