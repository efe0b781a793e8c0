FROM node:20-alpine
WORKDIR /app
ONBUILD ARG NPM_TOKEN
ONBUILD COPY package*.json ./
ONBUILD RUN npm ci
CMD ["npm", "start"]
