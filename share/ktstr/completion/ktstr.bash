# bash completion for ktstr (installed by `make install` as
# PREFIX/share/bash-completion/completions/ktstr). Names come from the tools themselves:
# scenarios from `ktstr scenarios`, schedulers from `ktstr sched list`, presets from
# `ktstr topo --presets`, run ids from `ktstr runs list`, kernels from `ktstr kernel list`.

_ktstr_first_column() { # CMD...: the first word of each line after the header
	"$@" 2>/dev/null | awk 'NR > 1 { print $1 }'
}

_ktstr_scenarios() { ktstr scenarios 2>/dev/null | awk '{ print $1 }'; }
_ktstr_schedulers() { _ktstr_first_column ktstr sched list; }
_ktstr_presets() { ktstr topo --presets 2>/dev/null | jq -r '.preset // empty' 2>/dev/null; }
_ktstr_runs() { _ktstr_first_column ktstr runs list; echo latest; }
_ktstr_kernels() { _ktstr_first_column ktstr kernel list; }

_ktstr() {
	local cur prev cmd sub words
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	cmd=${COMP_WORDS[1]}
	sub=${COMP_WORDS[2]}
	COMPREPLY=()

	if [ "$COMP_CWORD" -eq 1 ]; then
		words="run shell gauntlet scenarios runs topo kernel sched help version --version --help"
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
		return
	fi
	case $prev in
	--scheduler) COMPREPLY=($(compgen -W "$(_ktstr_schedulers)" -- "$cur")); return ;;
	--presets) COMPREPLY=($(compgen -W "$(_ktstr_presets) all" -- "$cur")); return ;;
	--kernel) COMPREPLY=($(compgen -W "$(_ktstr_kernels)" -- "$cur")); return ;;
	--topo) COMPREPLY=($(compgen -W "$(ktstr topo --presets 2>/dev/null | jq -r .name)" -- "$cur")); return ;;
	--debian) COMPREPLY=($(compgen -W "6.12" -- "$cur") $(compgen -f -X '!*.deb' -- "$cur")); return ;;
	--include | --junit | --run-dir | --source | --config)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	esac
	case $cmd in
	run | gauntlet | scenarios)
		if [[ $cur == -* ]]; then
			case $cmd in
			run) words="--scheduler --sched-args --flags --check --no-monitor --map-write
				--include --topo --kernel --duration --timeout --memory --json --tap --junit
				--job-only --dry-run --run-dir --repro --repeat --payload -v --verbose --help" ;;
			gauntlet) words="--scenarios --category --scheduler --sched-args --profiles
				--presets --smallest --oversub --budget -j --seed --shard --no-history --duration --timeout
				--kernel --check --no-monitor --list --dry-run --json --tap --junit --run-dir
				--repro --repeat --payload -v --verbose --help" ;;
			*) words="--help" ;;
			esac
			COMPREPLY=($(compgen -W "$words" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_ktstr_scenarios)" -- "$cur") $(compgen -f -X '!*.json' -- "$cur"))
		fi ;;
	shell) COMPREPLY=($(compgen -W "--topo --kernel --exec --include --memory --timeout --dry-run --help" -- "$cur")) ;;
	runs)
		if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "list show compare metrics merge write" -- "$cur"))
		elif [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--runs-dir --json --totals --brief --tap --junit --metric --filter --run-id --help" -- "$cur"))
		else
			case $sub in show | compare | merge) COMPREPLY=($(compgen -W "$(_ktstr_runs)" -- "$cur")) ;; esac
		fi ;;
	kernel)
		if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "fetch build add list path dir clean help" -- "$cur"))
		else
			case $sub in
			path | dir | clean) COMPREPLY=($(compgen -W "$(_ktstr_kernels)" -- "$cur")) ;;
			build) COMPREPLY=($(compgen -W "--source --debian --force --jobs --help" -- "$cur")) ;;
			esac
		fi ;;
	sched)
		if [ "$COMP_CWORD" -eq 2 ]; then
			COMPREPLY=($(compgen -W "source build list verify help" -- "$cur"))
		elif [ "$sub" = verify ]; then
			COMPREPLY=($(compgen -W "$(_ktstr_schedulers)" -- "$cur"))
		fi ;;
	help) [ "$COMP_CWORD" -eq 2 ] &&
		COMPREPLY=($(compgen -W "run shell gauntlet scenarios runs topo kernel sched" -- "$cur")) ;;
	esac
}
complete -F _ktstr ktstr
