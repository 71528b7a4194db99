# summary: what zsh's completion offers for a command line, as a person pressing Tab would get it.
# Usage: zsh -f zsh-complete.zsh FPATH-DIR OUT-FILE 'WORDS '   -> OUT-FILE: one match per line
# An interactive zsh on a pseudo-terminal (zpty) loads compinit with FPATH-DIR first in fpath;
# compadd is wrapped to record every match it is given; then WORDS and a Tab are typed.
zmodload zsh/zpty || exit 3
dir=$1 out=$2 line=$3
: >"$out" || exit 3
zpty z zsh -f -i || exit 3
zpty -w z "PS1=''; RPS1=''"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
zpty -w z "exec 3>>${(q)out}"
zpty -w z 'compadd() { local -a __h; builtin compadd -O __h "$@"; (( ${#__h} )) && print -rl -u 3 -- ${__h}; builtin compadd "$@"; }'
zpty -w z "print -r -- READY"
zpty -r -m z junk '*READY*' >/dev/null || exit 4
zpty -n -w z "$line"$'\t'
zpty -w z $'\C-u'"print -r -- DONE"
zpty -r -m z junk '*DONE*' >/dev/null || exit 4
zpty -d z
