# Sourced by scripts/demo and scripts/test: make sure the machine has what netmgr needs.
# As root it installs missing Debian packages with apt-get; otherwise it prints the
# exact command to run and stops.

require_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        echo "netmgr needs Swift 6.1 or later (swift not found on PATH); install a Swift toolchain from swift.org." >&2
        exit 1
    fi
}

# ensure_packages PKG... — installs the Debian packages that are not installed yet.
ensure_packages() {
    local missing=()
    for package in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "netmgr needs these Debian packages: ${missing[*]}" >&2
        echo "install them as root with:  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "==> installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
