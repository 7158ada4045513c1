#!/bin/sh
set -eu
echo "starting"
exec /app/server --port=8080
