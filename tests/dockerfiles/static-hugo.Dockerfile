FROM klakegg/hugo:0.111.3-ext-alpine AS builder
WORKDIR /site
COPY . .
RUN hugo --minify --gc

FROM nginx:alpine
COPY --from=builder /site/public /usr/share/nginx/html
COPY nginx.conf /etc/nginx/conf.d/default.conf
EXPOSE 80
HEALTHCHECK CMD wget -qO- http://localhost/ >/dev/null || exit 1
