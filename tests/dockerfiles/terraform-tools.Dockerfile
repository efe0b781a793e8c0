FROM alpine:3.19
ARG TERRAFORM_VERSION=1.7.4
ARG TARGETARCH
RUN apk add --no-cache curl unzip \
    && curl -fsSLo /tmp/tf.zip "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_${TARGETARCH}.zip" \
    && unzip /tmp/tf.zip -d /usr/local/bin \
    && rm /tmp/tf.zip
ENTRYPOINT ["terraform"]
CMD ["--help"]
