#!/usr/bin/env bash
# Types numbered lines into an LU through netmgrd's TN3270E server with s3270, and rides
# through a failover the way a script should: when the connection drops, it connects to the
# next node's TN server (or the VIP again) and asks for the same LU, then types on.
#
#   examples/s3270/enter_through_failover.sh --server 10.0.0.11:2323 --server 10.0.0.12:2323 \
#       --lu VIPLU01 --count 20 [--text "ORDER"] [--every 0.5] [--tls-ca ca.pem] [--deadline 120]
#
# A line the host had not taken when the node died is typed again after the reconnect (the
# script cannot know whether the host saw it), so the host may see it twice: at least once.
# Exit codes: 0 all typed; 2 bad options; 3 no TN server gave the LU before the deadline;
# 4 s3270 is missing.
set -u

servers=() lu="" count=10 text="LINE" every=0 ca="" deadline=120
usage() { echo "usage: $0 --server HOST:PORT [--server HOST:PORT ...] --lu LU [--count N] [--text T] [--every SECONDS] [--tls-ca FILE] [--deadline SECONDS]" >&2; exit 2; }
while (($#)); do
    case "$1" in
        --server) servers+=("${2:?--server needs HOST:PORT}"); shift 2 ;;
        --lu) lu="${2:?--lu needs an LU name}"; shift 2 ;;
        --count) count="${2:?}"; shift 2 ;;
        --text) text="${2:?}"; shift 2 ;;
        --every) every="${2:?}"; shift 2 ;;
        --tls-ca) ca="${2:?}"; shift 2 ;;
        --deadline) deadline="${2:?}"; shift 2 ;;
        *) echo "$0: unknown option $1" >&2; usage ;;
    esac
done
((${#servers[@]})) && [[ -n $lu ]] || usage
[[ $count =~ ^[0-9]+$ && $deadline =~ ^[0-9]+$ ]] || { echo "$0: --count and --deadline take whole numbers" >&2; exit 2; }
[[ $every =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "$0: --every takes seconds, such as 0.5" >&2; exit 2; }
[[ $lu =~ ^[A-Za-z0-9@#$]{1,8}$ ]] || { echo "$0: --lu $lu is not an LU name (1-8 letters, digits, @ # \$)" >&2; exit 2; }
[[ $text != *'"'* && $text != *'\'* ]] || { echo "$0: --text must not hold quotes or backslashes" >&2; exit 2; }
command -v s3270 >/dev/null || { echo "$0: s3270 is not installed (Debian: apt-get install s3270)" >&2; exit 4; }

options=()
prefix=""
[[ -n $ca ]] && { options+=(-cafile "$ca"); prefix="L:"; }
coproc S3270 { exec s3270 "${options[@]}" 2>/dev/null; }
trap 'echo "Quit" >&"${S3270[1]}" 2>/dev/null; wait' EXIT

# Runs one s3270 action; sets `reply` to its data lines and `status` to its status line;
# succeeds when s3270 answered ok.
run() {
    local line
    reply="" status=""
    echo "$1" >&"${S3270[1]}" || return 1
    while IFS= read -r -t 60 line <&"${S3270[0]}"; do
        case "$line" in
            ok) return 0 ;;
            error) return 1 ;;
            data:*) reply+="${line#data: }"$'\n' ;;
            *) status="$line" ;;
        esac
    done
    return 1
}

current=0
started=$SECONDS
# Connects to the first TN server from `current` on that gives the LU; tries them in turn
# until the deadline.
connect() {
    local tries=0 server
    while ((SECONDS - started < deadline)); do
        server=${servers[current]}
        if run "Connect(${prefix}${lu}@${server})" && run "Wait(10,InputField)"; then
            run "Query(LuName)"
            echo "connected to $server, LU ${reply%$'\n'}"
            return 0
        fi
        echo "no LU $lu from $server (${reply:+s3270 said: ${reply%$'\n'}; }status: ${status:-none}); trying the next TN server" >&2
        run "Disconnect"
        current=$(((current + 1) % ${#servers[@]}))
        tries=$((tries + 1))
        # Once round all of them: the cluster engine may still be activating the other node.
        ((tries % ${#servers[@]} == 0)) && sleep 1
    done
    return 1
}

connect || { echo "$0: no TN server gave LU $lu within $deadline s" >&2; exit 3; }
for ((i = 1; i <= count; i++)); do
    until run "String(\"$text $i\")" && run "Enter" && run "Wait(10,Unlock)"; do
        echo "line $i: ${reply:+s3270 said: ${reply%$'\n'}; }status: ${status:-none}; reconnecting to ${servers[current]} or the next" >&2
        run "Disconnect"
        current=$(((current + 1) % ${#servers[@]}))
        connect || { echo "$0: no TN server gave LU $lu within $deadline s" >&2; exit 3; }
    done
    echo "typed $text $i via ${servers[current]}"
    if ((i < count)); then sleep "$every"; fi   # a person's pace between lines (0: none)
done
