#!/usr/bin/env bash
# summary: tcplens as a new user meets it: `make install` into a temporary DESTDIR, the installed
# binary, its man page (man -l, groff -ww without warnings, every command, option and exit code of
# the binary documented and nothing that does not exist), bash completion from a clean
# `bash --norc` (complete -p, commands, options of every command, interface names) and zsh
# completion, `make uninstall`; as root, `make deb` and `dpkg -i` / `dpkg -r` of the package
# (postinst setcap), leaving the system as it was.
# asan: no
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${TCPLENS_BUILD:-$ROOT/build}
tmp=$(mktemp -d)
deb_installed=
cleanup() {
    if [[ -n $deb_installed ]]; then dpkg -P tcplens >/dev/null 2>&1; fi
    rm -rf "$tmp"
}
trap cleanup EXIT
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; }
skip() { echo "SKIP $1: $2"; }

version=$(sed -n 's/^#define TCPLENS_VERSION "\(.*\)"/\1/p' src/version.h)
dest=$tmp/dest
pfx=/usr
ibin=$dest$pfx/bin/tcplens
iman=$dest$pfx/share/man/man1/tcplens.1
ibash=$dest$pfx/share/bash-completion/completions/tcplens
izsh=$dest$pfx/share/zsh/site-functions/_tcplens

# ---- make install -------------------------------------------------------------------------
if ! make -s --no-print-directory O="$BUILD" DESTDIR="$dest" PREFIX=$pfx install >"$tmp/install.log" 2>&1; then
    fail install "make install failed: $(tail -3 "$tmp/install.log")"
    exit 0
fi
bad=
for f in "$ibin:755" "$iman:644" "$ibash:644" "$izsh:644"; do
    [[ -f ${f%:*} ]] || { bad+=" missing ${f%:*}"; continue; }
    [[ $(stat -c %a "${f%:*}") == "${f##*:}" ]] || bad+=" mode of ${f%:*} $(stat -c %a "${f%:*}")"
done
[[ -z $bad ]] && pass install || fail install "$bad"

# ---- the installed binary ---------------------------------------------------------------
cd "$tmp" # as a user would: not in the source tree
v=$("$ibin" --version 2>&1)
if [[ $(head -1 <<<"$v") == "tcplens $version" ]] && grep -q '^libpcap version' <<<"$v" &&
    grep -q '^libcurl/' <<<"$v"; then
    pass installed-version
else
    fail installed-version "$(tr '\n' '|' <<<"$v")"
fi
out=$("$ibin" read "$ROOT/examples/seed-baidu.pcap" 2>&1); rc=$?
if [[ $rc -eq 0 && $(wc -l <<<"$out") -eq 13 ]] && grep -q '\[SYN\] Seq=0' <<<"$out"; then
    pass installed-read
else
    fail installed-read "exit $rc: $(head -2 <<<"$out")"
fi

# The commands and options the binary has (from its help, so new ones are checked too).
commands=$("$ibin" --help | awk '/^commands:/ {on=1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on=0}')
[[ -n $commands ]] || fail commands "no commands in 'tcplens --help'"
help_opts() { # CMD: the option words of `tcplens CMD --help`
    "$ibin" "$1" --help | grep -E '^ +-' | sed -E 's/^ +//; s/  .*//' |
        grep -oE '(^|[ ,])--?[A-Za-z0-9][A-Za-z0-9-]*' | sed 's/^[ ,]*//' | sort -u
}

# ---- man page -----------------------------------------------------------------------------
if ! command -v man >/dev/null || ! command -v groff >/dev/null; then
    skip man "man-db or groff is not installed"
else
    MANWIDTH=100 man -l "$iman" >"$tmp/man.txt" 2>"$tmp/man.err"; rc=$?
    if [[ $rc -eq 0 && ! -s $tmp/man.err ]] && grep -q '^NAME' "$tmp/man.txt" &&
        grep -q '^EXIT STATUS' "$tmp/man.txt" && grep -q '^EXAMPLES' "$tmp/man.txt"; then
        pass man-renders
    else
        fail man-renders "exit $rc: $(head -c 300 "$tmp/man.err")"
    fi
    groff -man -Tutf8 -ww -z "$iman" 2>"$tmp/groff.err"
    [[ ! -s $tmp/groff.err ]] && pass man-no-warnings || fail man-no-warnings "$(head -3 "$tmp/groff.err")"
    th=$(grep '^\.TH' "$iman")
    [[ $th == *"\"tcplens $version\""* ]] && pass man-version || fail man-version "$th (version.h: $version)"

    src=$tmp/man.src # the roff with \- as -, to look options up
    sed 's/\\-/-/g' "$iman" >"$src"
    bad=
    for c in $commands; do
        grep -qE "^\.B $c\$" "$src" || bad+=" command:$c"
        for o in $(help_opts "$c"); do
            grep -qE -- "(^|[ \"])$o([ =\",]|\$)" "$src" || bad+=" $c:$o"
        done
    done
    for o in --help --version -h -V; do grep -qE -- "(^|[ \"])$o([ \",]|\$)" "$src" || bad+=" global:$o"; done
    [[ -z $bad ]] && pass man-documents-every-option || fail man-documents-every-option "missing:$bad"

    # Nothing documented that the binary does not have: the commands listed under COMMANDS.
    documented=$(awk '/^\.SH COMMANDS/ {on=1; next} /^\.SH/ {on=0} on && prev == ".TP" && /^\.B / {print $2} {prev=$0}' "$src")
    bad=
    for c in $documented; do grep -qx "$c" <<<"$commands" || bad+=" $c"; done
    [[ -n $documented && -z $bad ]] && pass man-only-real-commands ||
        fail man-only-real-commands "documented but not in the binary:${bad:- (no COMMANDS found)}"

    # Every exit code of src/exitcode.h, in the man page and in the README.
    bad=
    while read -r code; do
        awk '/^\.SH EXIT STATUS/ {on=1; next} /^\.SH/ {on=0} on' "$src" | grep -qx "\.B $code" || bad+=" man:$code"
        grep -qE "^\| $code \|" "$ROOT/README.md" || bad+=" README:$code"
    done < <(grep -oE 'TL_EXIT_[A-Z]+ = [0-9]+' "$ROOT/src/exitcode.h" | awk '{print $3}')
    [[ -z $bad ]] && pass exit-codes-documented || fail exit-codes-documented "missing:$bad"
fi

# ---- bash completion from a clean shell ---------------------------------------------------
# comp WORDS...: what completing the last word offers, one per line
cat >"$tmp/comp.sh" <<'EOF'
source "$1"; shift
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
_tcplens 2>/dev/null
printf '%s\n' "${COMPREPLY[@]}"
EOF
cbash() { env -i PATH="$dest$pfx/bin:/usr/bin:/bin" HOME="$tmp" bash --norc --noprofile "$tmp/comp.sh" "$ibash" "$@"; }
got=$(env -i PATH="$dest$pfx/bin:/usr/bin:/bin" bash --norc --noprofile -c "source '$ibash'; complete -p tcplens" 2>&1)
[[ $got == "complete -F _tcplens tcplens" ]] && pass bash-complete-p || fail bash-complete-p "$got"
got=$(cbash tcplens re)
want=$(grep '^re' <<<"$commands")
[[ -n $got && $got == "$want" ]] && pass bash-subcommand || fail bash-subcommand "'tcplens re<TAB>' gave: $(tr '\n' ' ' <<<"$got")"
got=$(cbash tcplens "")
bad=
for c in $commands; do grep -qx "$c" <<<"$got" || bad+=" missing:$c"; done
for c in $got; do grep -qx "$c" <<<"$commands" || bad+=" not-a-command:$c"; done
[[ -z $bad ]] && pass bash-all-commands || fail bash-all-commands "$bad"
bad=
for c in $commands; do
    got=$(cbash tcplens "$c" -)
    for o in $(help_opts "$c"); do grep -qE -- "^$o=?\$" <<<"$got" || bad+=" $c:$o"; done
done
[[ -z $bad ]] && pass bash-options-of-every-command || fail bash-options-of-every-command "not offered:$bad"
got=$(cbash tcplens read -)
grep -qx -- --json <<<"$got" && grep -qx -- -i <<<"$got" && grep -qx -- -t <<<"$got" &&
    ! grep -qvx -- '-.*' <<<"$got" && pass bash-read-dash || fail bash-read-dash "$(tr '\n' ' ' <<<"$got")"
got=$(cbash tcplens read -i "")
want=$("$ibin" interfaces 2>/dev/null | sed -E 's/^[0-9]+\.([^ ]+).*/\1/')
if [[ -z $want ]]; then
    skip bash-interfaces "no interfaces listed on this machine"
elif [[ $got == "$want" ]]; then
    pass bash-interfaces
else
    fail bash-interfaces "got $(tr '\n' ' ' <<<"$got"), want $(tr '\n' ' ' <<<"$want")"
fi
mkdir -p "$tmp/caps" && touch "$tmp/caps/one.pcap" "$tmp/caps/two.pcapng"
got=$(cd "$tmp" && cbash tcplens read caps/t)
[[ $got == caps/two.pcapng ]] && pass bash-files || fail bash-files "'read caps/t<TAB>': $got"
got=$(cbash tcplens read -t u)
[[ $(tr '\n' ' ' <<<"$got") == "u ud " ]] && pass bash-time-formats || fail bash-time-formats "$got"

# ---- zsh completion -----------------------------------------------------------------------
if ! command -v zsh >/dev/null; then
    skip zsh-completion "zsh is not installed"
else
    got=$(env -i PATH=/usr/bin:/bin HOME="$tmp" zsh -f -c "
        zsh -n '$izsh' || exit 3
        fpath=('${izsh%/*}' \$fpath); autoload -Uz compinit; compinit -u -d '$tmp/zcompdump'
        print -r -- \${_comps[tcplens]}" 2>&1)
    bad=
    [[ $got == _tcplens ]] || bad+=" compinit: $got"
    for c in $commands; do grep -qE "^ +'$c:" "$izsh" || bad+=" command:$c"; done
    [[ -z $bad ]] && pass zsh-completion || fail zsh-completion "$bad"
    # What Tab offers in an interactive zsh on a pseudo-terminal.
    zcomp() { # WORDS: the matches, one per line
        env -i PATH="$dest$pfx/bin:/usr/bin:/bin" HOME="$tmp" TERM=xterm \
            timeout 20 zsh -f "$ROOT/tests/tools/zsh-complete.zsh" "${izsh%/*}" "$tmp/zsh.out" "$1" >/dev/null 2>&1
        cat "$tmp/zsh.out" 2>/dev/null
    }
    bad=
    got=$(zcomp 'tcplens ')
    [[ $(sort <<<"$got") == "$(sort <<<"$commands")" ]] || bad+=" commands:[$(tr '\n' ' ' <<<"$got")]"
    got=$(zcomp 'tcplens read --j')
    [[ $got == --json ]] || bad+=" read--j:[$(tr '\n' ' ' <<<"$got")]"
    got=$(zcomp 'tcplens read -t ')
    [[ $(tr '\n' ' ' <<<"$got") == "r d dd a ad u ud e " ]] || bad+=" read-t:[$(tr '\n' ' ' <<<"$got")]"
    want=$("$ibin" interfaces 2>/dev/null | sed -E 's/^[0-9]+\.([^ ]+).*/\1/' | sort)
    got=$(zcomp 'tcplens read -i ' | sort)
    [[ -z $want || $got == "$want" ]] || bad+=" read-i:[$(tr '\n' ' ' <<<"$got")]"
    [[ -z $bad ]] && pass zsh-tab || fail zsh-tab "$bad"
fi

# ---- make uninstall -----------------------------------------------------------------------
cd "$ROOT"
make -s --no-print-directory O="$BUILD" DESTDIR="$dest" PREFIX=$pfx uninstall >"$tmp/uninstall.log" 2>&1
left=$(find "$dest" ! -type d)
[[ -z $left ]] && pass uninstall || fail uninstall "left behind: $left"

# ---- the Debian package -------------------------------------------------------------------
if ! command -v dpkg-deb >/dev/null; then
    skip deb "dpkg-deb is not installed"
    exit 0
fi
debdir=$tmp/deb
deb=$(make -s --no-print-directory O="$BUILD" deb 2>"$tmp/deb.err" | tail -1)
# build/deb is shared between runs; take a private copy
if [[ -f $deb ]]; then mkdir -p "$debdir" && cp "$deb" "$debdir/" && deb=$debdir/${deb##*/}; fi
if [[ ! -f $deb ]]; then
    fail deb-build "$(tail -3 "$tmp/deb.err")"
    exit 0
fi
ctl=$(dpkg-deb -f "$deb" Package Version Depends)
bad=
grep -qx "Package: tcplens" <<<"$ctl" || bad+=" package"
grep -qx "Version: $version" <<<"$ctl" || bad+=" version"
for d in libpcap0.8 libcurl4 libc6; do grep -q "^Depends:.*\b$d\b" <<<"$ctl" || bad+=" depends:$d"; done
files=$(dpkg-deb -c "$deb" | awk '{print $NF}')
for f in ./usr/bin/tcplens ./usr/share/man/man1/tcplens.1.gz ./usr/share/bash-completion/completions/tcplens \
    ./usr/share/zsh/vendor-completions/_tcplens ./usr/share/doc/tcplens/json-schema/packet-v1.json; do
    grep -qx "$f" <<<"$files" || bad+=" file:$f"
done
dpkg-deb -I "$deb" postinst >"$tmp/postinst" 2>/dev/null && sh -n "$tmp/postinst" || bad+=" postinst"
[[ -z $bad ]] && pass deb-build || fail deb-build "$bad: $(tr '\n' '|' <<<"$ctl")"

if [[ $(id -u) -ne 0 ]]; then
    skip deb-install "needs root"
    exit 0
fi
# One dpkg test at a time on this machine; never touch a tcplens that is already installed.
exec 9>/tmp/tcplens-deb-test.lock
flock -w 300 9 || { skip deb-install "another deb test holds the lock"; exit 0; }
pkg_state() { dpkg-query -W -f='${db:Status-Abbrev}' tcplens 2>/dev/null; } # "ii ", "un ", or nothing
st=$(pkg_state)
if [[ -n $st && $st != un* ]] || [[ -e /usr/bin/tcplens ]]; then
    skip deb-install "tcplens is already installed on this machine"
    exit 0
fi
dpkg_try() { # dpkg ARGS...: retried while another dpkg/apt holds the lock
    local i
    for ((i = 0; i < 30; i++)); do
        dpkg "$@" >"$tmp/dpkg.log" 2>&1 && return 0
        grep -q 'lock' "$tmp/dpkg.log" || return 1
        sleep 2
    done
    return 1
}
deb_installed=1
if ! dpkg_try -i "$deb"; then
    fail deb-install "dpkg -i: $(tail -3 "$tmp/dpkg.log")"
    exit 0
fi
bad=
[[ $(/usr/bin/tcplens --version | head -1) == "tcplens $version" ]] || bad+=" version"
/usr/bin/tcplens read "$ROOT/examples/seed-baidu.pcap" >/dev/null 2>&1 || bad+=" read"
if command -v setcap >/dev/null && command -v getcap >/dev/null; then
    getcap /usr/bin/tcplens | grep -q 'cap_net_admin,cap_net_raw=eip' || bad+=" setcap:$(getcap /usr/bin/tcplens)"
    grep -q 'live capture enabled' "$tmp/dpkg.log" || bad+=" postinst-message"
fi
man -w tcplens >/dev/null 2>&1 || bad+=" man-w"
[[ -f /usr/share/bash-completion/completions/tcplens ]] || bad+=" bash-completion"
[[ -z $bad ]] && pass deb-install || fail deb-install "$bad"
if dpkg_try -r tcplens && dpkg_try -P tcplens; then
    deb_installed=
    left=$(ls /usr/bin/tcplens /usr/share/man/man1/tcplens.1.gz /usr/share/bash-completion/completions/tcplens \
        /usr/share/zsh/vendor-completions/_tcplens 2>/dev/null)
    st=$(pkg_state)
    [[ -z $left && ( -z $st || $st == un* ) ]] && pass deb-remove || fail deb-remove "left: $left; status: $st"
else
    fail deb-remove "dpkg -r: $(tail -3 "$tmp/dpkg.log")"
fi
