FROM wordpress:6.4-php8.2-fpm-alpine
RUN set -ex; \
    apk add --no-cache --virtual .build-deps $PHPIZE_DEPS imagemagick-dev; \
    pecl install imagick-3.7.0; \
    docker-php-ext-enable imagick; \
    apk del --no-network .build-deps
COPY --from=wordpress:cli /usr/local/bin/wp /usr/local/bin/wp
COPY php.ini /usr/local/etc/php/conf.d/custom.ini
USER www-data
