# summary: bash completion for tcplens(1): commands, the options of each command, interface
# names (from `tcplens interfaces`), time formats, colour modes, and files where a FILE goes.
# Self-contained: needs neither bash-completion's helpers nor extglob.

# The interface names that `tcplens interfaces` lists ("1.eth0 [Up, Running]" -> eth0).
_tcplens_ifaces()
{
    local bin=${1:-tcplens} line
    command -v -- "$bin" >/dev/null 2>&1 || bin=tcplens
    "$bin" interfaces 2>/dev/null | while IFS= read -r line; do
        line=${line#*.}
        printf '%s\n' "${line%% *}"
    done
}

_tcplens_files()
{
    compopt -o filenames 2>/dev/null
    local IFS=$'\n'
    COMPREPLY+=($(compgen -f -- "$1"))
}

_tcplens()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local bin=${COMP_WORDS[0]} cmd= i w
    COMPREPLY=()

    local commands="read conns explain ladder report visit ping interfaces"
    local global_opts="--help --version"
    # Per command: options without a value, options that take one.
    local read_flags="-S -p -q -n -h --json --color= --colour= --no-color --help"
    local read_valued="-i -r -c -w -Z -s -t --max-conns"
    local conns_flags="-p -h --json --help"
    local conns_valued="-i -r -c -w -Z -s --stream --format --snaplen --max-conns"
    local explain_flags="-p -h --help --color= --colour= --no-color"
    local explain_valued="-i -r -c -w -Z -s --stream --lang --snaplen --width"
    local ladder_flags="-S -p -h --help --full --ascii --color= --colour= --no-color"
    local ladder_valued="-i -r -c -w -Z -s --stream --snaplen --width"
    local report_flags="-S -p -h --help"
    local report_valued="-i -r -c -w -Z -o -s --output --stream --conns --lang --snaplen"
    local visit_flags="-4 -6 -q -k -h --json --insecure --color= --colour= --no-color --help"
    local visit_valued="-i -o -w --ping --ping-interval --lang --html --timeout"
    local ping_flags="-4 -6 -h --help"
    local ping_valued="-c -i -W -s --count --interval --timeout --size"
    local interfaces_flags="-h --help"
    local interfaces_valued=""

    # The command is the first word after the program that is not an option.
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        if [[ $w != -* ]]; then
            cmd=$w
            break
        fi
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "$global_opts" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return 0
    fi

    # --color=WHEN, whether or not '=' splits words (COMP_WORDBREAKS)
    if [[ $cur == --colo*r=* ]]; then
        COMPREPLY=($(compgen -W "auto always never" -- "${cur#*=}"))
        return 0
    fi
    if [[ $cur == = || $prev == = ]] && [[ ${COMP_WORDS[COMP_CWORD - 1]} == --colo*r ||
          ${COMP_WORDS[COMP_CWORD - 2]} == --colo*r ]]; then
        [[ $cur == = ]] && cur=
        COMPREPLY=($(compgen -W "auto always never" -- "$cur"))
        return 0
    fi

    local flags valued
    case $cmd in
        read) flags=$read_flags valued=$read_valued ;;
        conns) flags=$conns_flags valued=$conns_valued ;;
        explain) flags=$explain_flags valued=$explain_valued ;;
        ladder) flags=$ladder_flags valued=$ladder_valued ;;
        report) flags=$report_flags valued=$report_valued ;;
        visit) flags=$visit_flags valued=$visit_valued ;;
        ping) flags=$ping_flags valued=$ping_valued ;;
        interfaces) flags=$interfaces_flags valued=$interfaces_valued ;;
        *) return 0 ;;
    esac

    # The value of the previous option.
    if [[ " $valued " == *" $prev "* ]]; then
        case $cmd:$prev in
            *:-i) [[ $cmd == ping ]] && return 0
                  COMPREPLY=($(compgen -W "$(_tcplens_ifaces "$bin")" -- "$cur")) ;;
            *:-r | *:-w | report:-o | report:--output | visit:-o | visit:--html) _tcplens_files "$cur" ;;
            *:--lang) COMPREPLY=($(compgen -W "en zh" -- "$cur")) ;;
            *:--format) COMPREPLY=($(compgen -W "text json zeek" -- "$cur")) ;;
            *:-t) COMPREPLY=($(compgen -W "r d dd a ad u ud e" -- "$cur")) ;;
            *:-Z) COMPREPLY=($(compgen -u -- "$cur")) ;;
        esac
        return 0
    fi

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags $valued" -- "$cur"))
        [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null
        return 0
    fi

    case $cmd in
        ping) COMPREPLY=($(compgen -A hostname -- "$cur")) ;;
        visit) COMPREPLY=($(compgen -W "http:// https://" -- "$cur")) ;;
        interfaces) ;;
        *)
            # FILE first (unless -i or -r gave the source), then pcap-filter words.
            local have_src= j
            for ((j = i + 1; j < COMP_CWORD; j++)); do
                w=${COMP_WORDS[j]}
                case $w in
                    -i | -r) have_src=1; ((j++)) ;;
                    -o | --output) [[ $cmd == report ]] && ((j++)) ;;
                    -*) [[ " $valued " == *" $w "* ]] && ((j++)) ;;
                    *) have_src=1 ;;
                esac
            done
            if [[ -z $have_src ]]; then
                _tcplens_files "$cur"
            else
                COMPREPLY=($(compgen -W "host net port portrange src dst tcp udp icmp icmp6
                    ip ip6 arp vlan and or not less greater" -- "$cur"))
            fi
            ;;
    esac
    return 0
}

complete -F _tcplens tcplens
