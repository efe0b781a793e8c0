FROM mcr.microsoft.com/devcontainers/base:bookworm
ARG USERNAME=vscode
ARG NODE_VERSION="lts/*"
RUN su ${USERNAME} -c "umask 0002 && . /usr/local/share/nvm/nvm.sh && nvm install ${NODE_VERSION} 2>&1"
RUN apt-get update && export DEBIAN_FRONTEND=noninteractive \
    && apt-get -y install --no-install-recommends postgresql-client \
    && apt-get clean -y && rm -rf /var/lib/apt/lists/*
