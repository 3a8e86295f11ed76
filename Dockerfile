# switchgate — runs the TypeScript sources with tsx (no build step).
# HOST is 0.0.0.0 here, so the shipped config/default.json (published dev key, unauthenticated peer)
# is refused at start-up: mount a production config and name it, e.g.
#   docker run -v /etc/switchgate:/etc/switchgate:ro -e SWITCHGATE_CONFIG=/etc/switchgate/config.json \
#     -e DATABASE_URL=postgres://… switchgate
FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
COPY schemas ./schemas
COPY wsdl ./wsdl
COPY config ./config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
CMD ["node", "bin/switchgate.js", "start"]
