# API image: the compiled service on Node 20 with the bundled WebAssembly TensorFlow.js backend.
FROM node:20-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY . .
RUN npm run build && npm prune --omit=dev

# Inside a container the API must listen beyond loopback for the published port to reach it.
# A server listening beyond loopback does not start without an API key: pass FACEMATCH_ADMIN_KEY
# at run time (from `facematch generate-key`), or run `node dist/src/cli.js create-key` once first.
ENV FACEMATCH_HOST=0.0.0.0 \
    FACEMATCH_PORT=4000 \
    FACEMATCH_MODELS_DIR=/app/models
EXPOSE 4000
CMD ["node", "dist/src/cli.js", "serve"]
