#!/usr/bin/env bash
# make install into a temporary DESTDIR, then the installed hostmix used
# from there with / as the current directory: it finds its example jobs
# beside itself (BINDIR/../share/hostmix), runs the installed quick job
# (results only where --output says, nothing under the current
# directory), its man pages render without warnings and describe every
# command and option the binary has (hostmix-job(5): every job option),
# its bash completion asks it for commands, roles and options, and make
# uninstall removes every file it installed.
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(basename "$(dirname "$HOSTMIX")")     # build, or build-asan under make asan
dest=$TMP/dest
bin=$dest/usr/local/bin/hostmix
share=$dest/usr/local/share

make -C "$root" -s BUILD="$build" install DESTDIR="$dest" >"$TMP/install.log" 2>&1
check_eq install_exit0 "$?" 0
for f in bin/hostmix share/hostmix/examples/quick.ini share/man/man1/hostmix.1 \
         share/man/man5/hostmix-job.5 share/bash-completion/completions/hostmix; do
    check "installed_${f//\//_}" test -s "$dest/usr/local/$f"
done

# Found beside the binary, from /, whatever the build tree holds.
check_eq help_names_installed_examples "$(cd / && "$bin" help | sed -n 's/^Example jobs: //p')" \
    "$share/hostmix/examples"
check_eq help_names_tree_examples "$(cd / && "$HOSTMIX" help | sed -n 's/^Example jobs: //p')" \
    "$root/examples"

# The installed quick job, run from /: a relative output would land in
# /results, so --output names where results go.
(cd / && exec "$bin" run "$share/hostmix/examples/quick.ini" --output "$TMP/res") \
    >"$TMP/run.out" 2>"$TMP/run.err"
rc=$?
check_eq installed_quick_exit0 "$rc" 0
[ "$rc" = 0 ] || sed 's/^/  run: /' "$TMP/run.err" | tail -5
check installed_quick_passes grep -q "verdict: PASS" "$TMP/run.out"
check installed_quick_result test -s "$TMP/res/result.json"
check installed_quick_nothing_in_cwd test ! -e /results/quick

# Man pages: rendered by man-db with warnings on, nothing on stderr.
for m in man1/hostmix.1 man5/hostmix-job.5; do
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$share/man/$m" >"$TMP/man.out" 2>"$TMP/man.err"
    check_eq "man_$(basename "$m")_no_warnings" "$(head -3 "$TMP/man.err")" ""
    check "man_$(basename "$m")_renders" test -s "$TMP/man.out"
done
# hostmix-job(5) has an entry for each option `help job` prints, in its order.
sed -n '/^\.SH OPTIONS/,/^\.SH EXAMPLE/s/^\\fB\([^\\]*\)\\fR.*/\1/p' \
    "$share/man/man5/hostmix-job.5" | sed 's/\\-/-/g' >"$TMP/man5.names"
"$bin" help job | sed -nE 's/^  ([a-z0-9_]+) +=.*/\1/p' >"$TMP/help.names"
check man5_every_job_option diff "$TMP/help.names" "$TMP/man5.names"
check_eq man5_options_listed "$(($(wc -l <"$TMP/man5.names") > 50))" 1

# hostmix(1) describes every command (a subsection) and, in it, every
# option the command's --help names (for prepare, serve and drive: every
# role's) as an item of its own.
. "$share/bash-completion/completions/hostmix" 2>/dev/null || true
man_section() { # COMMAND: the item lines of hostmix(1)'s subsection of COMMAND
    awk -v c="$1" '/^\.S[SH] / { in_c = ($0 ~ "^\\.SS \"" c "[ \"]") } in_c && /^\.B[IR]? /' \
        "$share/man/man1/hostmix.1"
}
missing=""
for c in $("$bin" help --list commands); do
    man_section "$c" >"$TMP/sec"
    grep -q "^\.SS \"$c" "$share/man/man1/hostmix.1" || missing="$missing $c"
    roles=""
    case $c in prepare|serve|drive) roles=$("$bin" help --list roles) ;; esac
    for r in ${roles:-""}; do
        for o in $(_hostmix_opts "$bin" "$c" $r); do
            grep -qF -- "${o//-/\\-}" "$TMP/sec" || missing="$missing $c${r:+ $r}:$o"
        done
    done
done
check_eq man1_every_command_and_option "$(tr ' ' '\n' <<<"$missing" | sort -u | xargs)" ""

# Completion, as bash-completion calls it, with the installed hostmix on
# PATH: it lists what the binary says.
complete_words() {
    bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _hostmix hostmix "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf "%s\n" "${COMPREPLY[@]}" | sort | xargs' \
        _ "$share/bash-completion/completions/hostmix" "$@"
}
if [ -r /usr/share/bash-completion/bash_completion ]; then
    mkdir -p "$TMP/cwd/sub" && touch "$TMP/cwd/a.ini" "$TMP/cwd/b.json"
    cd "$TMP/cwd" || exit 1
    export PATH="$dest/usr/local/bin:$PATH"
    check_eq complete_commands "$(complete_words hostmix r)" "report run"
    check_eq complete_roles "$(complete_words hostmix serve '')" \
        "$("$bin" help --list roles | sort | xargs)"
    check_eq complete_role_options "$(complete_words hostmix serve db --st)" \
        "--stall --statement-timeout"
    check_eq complete_run_options "$(complete_words hostmix run --f)" "--format"
    check_eq complete_job_files "$(complete_words hostmix check '')" "a.ini sub"
    check_eq complete_results "$(complete_words hostmix compare '')" "b.json sub"
    check_eq complete_help_list "$(complete_words hostmix help --list '')" \
        "commands platforms roles"
    cd / || exit 1
else
    skip complete "bash-completion is not installed (scripts/deps.sh test)"
fi

make -C "$root" -s BUILD="$build" uninstall DESTDIR="$dest" >>"$TMP/install.log" 2>&1
check_eq uninstall_exit0 "$?" 0
check_eq uninstall_leaves_no_file "$(find "$dest" ! -type d | xargs)" ""
