ARG BASE=debian:bookworm-slim
FROM $BASE
ARG APP_USER=app
ARG APP_UID=1000
ENV APP_USER=${APP_USER} \
    HOME=/home/${APP_USER}
RUN useradd --uid ${APP_UID} --create-home --home-dir "$HOME" "$APP_USER"
USER $APP_USER
WORKDIR $HOME
ENV EDITOR=vim \
    PAGER=less
CMD ["bash"]
