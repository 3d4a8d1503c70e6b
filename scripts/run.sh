#!/usr/bin/env bash
# The last step of `make run`: the web server, the worker beside it and, with SSO_DEMO=1, a local
# OpenID Connect provider (scripts/oidc-provider.mjs) where anyone may sign in as any address.
# All of them stop together.
set -euo pipefail
flask=(.venv/bin/flask --app arena)
port=${PORT:-5000}
export BASE_URL=${BASE_URL:-http://127.0.0.1:$port}
children=()
stop_children() { kill "${children[@]}" 2>/dev/null || true; wait; }
trap stop_children EXIT
trap 'exit 143' TERM INT  # exiting runs the EXIT trap, so no child outlives the script

if [ "${SSO_DEMO:-}" = 1 ]; then
  demo_port=${SSO_DEMO_PORT:-5556}
  issuer="http://127.0.0.1:$demo_port"
  secret="demo-only-never-in-production"
  export SSO_PROVIDERS="[{\"name\": \"demo\", \"label\": \"Demo-innlogging\", \"issuer\": \"$issuer\",
    \"client_id\": \"arena-demo\", \"client_secret\": \"$secret\"}]"
  PORT=$demo_port ISSUER=$issuer CLIENTS="[{\"client_id\": \"arena-demo\", \"client_secret\": \"$secret\",
    \"redirect_uris\": [\"$BASE_URL/auth/sso/demo/callback\"],
    \"post_logout_redirect_uris\": [\"$BASE_URL/\"]}]" node scripts/oidc-provider.mjs &
  children+=($!)
  echo "Demo sign-in: «Logg inn med Demo-innlogging» on $BASE_URL/auth/login; at $issuer type any"
  echo "address (a demo member's, such as ingrid.haugen@skien.kommune.no) and any password."
fi

"${flask[@]}" worker &
children+=($!)
# In the background too: bash runs a trap only between commands, and `wait` is one.
"${flask[@]}" run --host 127.0.0.1 --port "$port" &
children+=($!)
wait -n
