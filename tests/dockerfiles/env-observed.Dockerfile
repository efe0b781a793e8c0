FROM node:20-alpine
ENV APP_DIR=/opt/app
WORKDIR $APP_DIR
ENV NPM_CONFIG_LOGLEVEL=warn
RUN npm install -g pnpm
ENV PORT=3000
ENV PORT=4000
ENV URL=http://localhost:$PORT
LABEL app.port=$PORT
EXPOSE $PORT
ENV LOG_LEVEL=info LOG_FORMAT=json
CMD ["node", "server.js"]
