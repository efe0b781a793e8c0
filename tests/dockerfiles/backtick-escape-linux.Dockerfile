# escape=`
FROM alpine:3.19
ENV LITERAL_BACKSLASH=C:\path\to
RUN echo first `
    && echo second
COPY "a`"b" /dst/
LABEL note="tab`there"
