# bash completion for pcsv(1): commands, the options of the command on the
# line, the values of options that take a fixed set, files, and the column
# names of the file on the line after --by, --agg FN:, --sort, --select and
# select. Everything comes from the pcsv being completed (pcsv
# --list-commands, pcsv --list-options COMMAND, pcsv headers FILE), so it
# never lags behind the binary. Installed as
# PREFIX/share/bash-completion/completions/pcsv; or: source completions/pcsv.bash

# The words of the line up to the cursor (_pcsv_w) and of the whole line
# (_pcsv_all), split at blanks (bash's own COMP_WORDS also splits at ':' and
# '=', which --agg sum:price needs whole).
_pcsv_words()
{
    local line=${COMP_LINE:0:COMP_POINT}
    read -r -a _pcsv_w <<<"$line"
    read -r -a _pcsv_all <<<"$COMP_LINE"
    if [[ -z $line || $line == *[[:space:]] ]]; then
        _pcsv_w+=("")
    fi
}

# The column names of the first existing FILE on the line, also after the
# cursor, read with the line's -t / -d / -H.
_pcsv_columns()
{
    local pcsv=$1 cmd=$2 i w file="" skip=0
    local -a fmt=()
    for ((i = 2; i < ${#_pcsv_all[@]}; i++)); do
        w=${_pcsv_all[i]}
        if ((skip)); then
            skip=0
            continue
        fi
        case $w in
        -t | --tsv | -H | --no-header) fmt+=("$w") ;;
        -d | --delimiter | --quote)
            fmt+=("$w" "${_pcsv_all[i + 1]-}")
            skip=1
            ;;
        --*=*) ;;
        -*)
            # an option that takes a value: skip the value
            if "$pcsv" --list-options "$cmd" 2>/dev/null | grep -q -- "^$w "; then
                skip=1
            fi
            ;;
        *)
            # select's COLS is no file (region,price), so the first
            # existing file is the input
            if [[ -z $file && -f $w ]]; then
                file=$w
            fi
            ;;
        esac
    done
    [[ -n $file ]] || return
    "$pcsv" headers "${fmt[@]}" -- "$file" 2>/dev/null | cut -f 2-
}

_pcsv()
{
    local _pcsv_w _pcsv_all
    _pcsv_words
    local pcsv=${_pcsv_w[0]} n=${#_pcsv_w[@]}
    local cur=${_pcsv_w[n - 1]} prev="" cmd=${_pcsv_w[1]-} IFS=$'\n'
    ((n > 1)) && prev=${_pcsv_w[n - 2]}
    local -a cands=()
    COMPREPLY=()
    # ~ and $VAR in the command word: let bash expand it
    pcsv=$(eval printf '%s' "$pcsv" 2>/dev/null) || return
    if ((n == 2)); then
        if [[ $cur == -* ]]; then
            cands=(--help --version)
        else
            mapfile -t cands < <("$pcsv" --list-commands 2>/dev/null)
            cands+=(help)
        fi
    elif [[ $cmd == help ]]; then
        if ((n == 3)); then
            mapfile -t cands < <("$pcsv" --list-commands 2>/dev/null)
            cands+=(where)
        fi
    else
        local opts arg="" has=0 o
        opts=$("$pcsv" --list-options "$cmd" 2>/dev/null) || return
        if [[ $prev == -* ]]; then
            while IFS=" " read -r o a; do
                if [[ $o == "$prev" ]]; then
                    has=1
                    arg=$a
                fi
            done <<<"$opts"
        fi
        local colprefix=""
        if ((has)); then
            case $prev in
            --by | --select | --sort)
                colprefix=${cur%"${cur##*,}"}
                [[ $prev == --sort ]] && colprefix=""
                mapfile -t cands < <(_pcsv_columns "$pcsv" "$cmd")
                ;;
            --agg)
                if [[ ${cur##*,} == *:* ]]; then
                    colprefix=${cur%"${cur##*:}"}
                    mapfile -t cands < <(_pcsv_columns "$pcsv" "$cmd")
                else
                    colprefix=${cur%"${cur##*,}"}
                    cands=(count count: sum: mean: min: max: first: last: distinct: median: p90: var: stddev:)
                fi
                ;;
            -o | --output | --rejects)
                compopt -o filenames 2>/dev/null
                mapfile -t cands < <(compgen -f -- "$cur")
                ;;
            --tmpdir)
                compopt -o filenames 2>/dev/null
                mapfile -t cands < <(compgen -d -- "$cur")
                ;;
            *)
                # a fixed set of values: csv|tsv|jsonl
                if [[ $arg == *'|'* && $arg != *[!a-z0-9\|]* ]]; then
                    mapfile -t cands <<<"${arg//|/$'\n'}"
                fi
                ;;
            esac
            if [[ -n $colprefix ]]; then
                local -a full=()
                for o in "${cands[@]}"; do full+=("$colprefix$o"); done
                cands=("${full[@]}")
            fi
        elif [[ $cur == -* ]]; then
            mapfile -t cands < <(cut -d ' ' -f 1 <<<"$opts")
        elif [[ $cmd == select && $n == 3 ]]; then
            colprefix=${cur%"${cur##*,}"}
            mapfile -t cands < <(_pcsv_columns "$pcsv" "$cmd")
            if [[ -n $colprefix ]]; then
                local -a full=()
                for o in "${cands[@]}"; do full+=("$colprefix$o"); done
                cands=("${full[@]}")
            fi
        else
            compopt -o filenames 2>/dev/null
            mapfile -t cands < <(compgen -f -- "$cur")
        fi
    fi
    # the candidates that begin with the word typed (not compgen -W, which
    # would expand a column named $x or it's)
    local c
    for c in "${cands[@]}"; do
        [[ $c == "$cur"* ]] && COMPREPLY+=("$c")
    done
    # sum: goes on with a column, not a blank
    if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *: ]]; then
        compopt -o nospace 2>/dev/null
    fi
    # bash replaces only the part of the word after its last ':' or '=':
    # drop what is before it from every candidate
    local lead=${cur%"${cur##*[:=]}"}
    if [[ -n $lead ]]; then
        local i
        for i in "${!COMPREPLY[@]}"; do COMPREPLY[i]=${COMPREPLY[i]#"$lead"}; done
    fi
}
complete -F _pcsv pcsv
