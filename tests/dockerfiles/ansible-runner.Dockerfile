FROM python:3.12-alpine
ARG ANSIBLE_VERSION=9.2.0
ARG ANSIBLE_LINT_VERSION=24.2.0
RUN apk add --no-cache --virtual .build-deps gcc musl-dev libffi-dev openssl-dev \
 && pip install --no-cache-dir "ansible==${ANSIBLE_VERSION}" "ansible-lint==${ANSIBLE_LINT_VERSION}" \
 && apk del .build-deps \
 && apk add --no-cache openssh-client sshpass git
WORKDIR /ansible
ENV ANSIBLE_HOST_KEY_CHECKING=False \
    ANSIBLE_RETRY_FILES_ENABLED=False
ENTRYPOINT ["ansible-playbook"]
