# Sourced, not run: finds the AWS CLI this machine has. Any version will do: v2 at
# /usr/local/bin/aws on GitHub's ubuntu-24.04 runners (where apt has no awscli package),
# Debian's v2 package at /usr/bin/aws, or a pip-installed v1. A candidate that cannot even
# print its version (e.g. a pyenv shim for a Python version without awscli) is skipped.
# Uses only bash built-ins and the candidates themselves, so it works with any PATH.

# Prints the path of the first working `aws` on PATH (or $AWS_CLI when set); status 1 if none.
find_aws() {
  local candidate dir
  local -a candidates=()
  [ -n "${AWS_CLI:-}" ] && candidates+=("$AWS_CLI")
  local IFS=:
  for dir in $PATH; do
    [ -n "$dir" ] && candidates+=("$dir/aws")
  done
  for candidate in "${candidates[@]}"; do
    if [ -f "$candidate" ] && [ -x "$candidate" ] && "$candidate" --version >/dev/null 2>&1; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  return 1
}

