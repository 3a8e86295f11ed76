# switchgate — multi-stage: the build stage compiles the TypeScript once; the runtime image holds
# only the compiled output (dist/, with schemas/, wsdl/ and package.json beside it) and the
# production dependencies, so start-up compiles nothing.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY migrations ./migrations
COPY schemas ./schemas
COPY wsdl ./wsdl
RUN node scripts/build.mjs

FROM node:22-bookworm-slim
WORKDIR /app
# HOST is 0.0.0.0 here, so the shipped config/default.json (published dev key, unauthenticated peer)
# is refused at start-up: mount a production config and name it, e.g.
#   docker run -v /etc/switchgate:/etc/switchgate:ro -e SWITCHGATE_CONFIG=/etc/switchgate/config.json \
#     -e DATABASE_URL=postgres://… switchgate
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 DATA_DIR=/data
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY config ./config
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["node", "bin/switchgate.js", "start"]
