#!/usr/bin/env bash
# Build, start and stop a real Mattermost server (API only, no web app) backed
# by a private PostgreSQL cluster, both on loopback, for end-to-end tests.
#
#   scripts/mattermost.sh build        build (or reuse) the cached server binary; print its path
#   scripts/mattermost.sh start DIR    start PostgreSQL + Mattermost with state in DIR; print MM_URL
#   scripts/mattermost.sh stop DIR     stop both (idempotent)
#
# start writes DIR/env (KEY=VALUE lines: MM_URL, MM_PID, PG_PID, PG_PORT, ...),
# logs go to DIR/mattermost.log and DIR/postgres.log.
#
# The server comes from the separate Go module testtools/mattermost (its own
# go.mod, so the bot's module never depends on it). The binary (~100 MB, minutes
# to build on 2 cores) is cached outside the repository in
#   ${KIPINA_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kipina/mattermost-<version>}
# and only rebuilt when missing. PostgreSQL is installed with apt-get when no
# initdb is found (CI runs as root on a fresh Debian machine).
#
# Environment knobs:
#   KIPINA_MM_CACHE         binary cache directory (see above)
#   KIPINA_MM_START_TIMEOUT seconds to wait for /api/v4/system/ping (default 120)
#   KIPINA_MM_LOG_LEVEL     server console log level into DIR/mattermost.log (default ERROR)
#   KIPINA_MM_OWNER_PID     pid of the process the server belongs to (testtools/mmserver
#                           sets it to the test binary): when that process is gone
#                           without having run stop (go test -timeout, Ctrl-C, a crash),
#                           a watchdog stops the server, and the next start on the
#                           machine removes such leftovers (/tmp/kipina-mm-pg.*).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODDIR=$ROOT/testtools/mattermost
MM_MODULE=github.com/mattermost/mattermost/server/v8
PG_USER=mmuser
PG_PASS=mmtest-password
PG_DB=mattermost

log() { printf 'mattermost.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

find_go() {
	if command -v go >/dev/null 2>&1; then
		GO=$(command -v go)
	elif [[ -x /usr/local/go/bin/go ]]; then
		GO=/usr/local/go/bin/go
	else
		die "the go command is needed to build the Mattermost server"
	fi
}

mm_version() {
	local v
	v=$(awk -v m="$MM_MODULE" '$1 == m { print $2; exit } $1 == "require" && $2 == m { print $3; exit }' "$MODDIR/go.mod")
	[[ -n $v ]] || die "cannot find $MM_MODULE in $MODDIR/go.mod"
	printf '%s\n' "$v"
}

cache_dir() {
	printf '%s\n' "${KIPINA_MM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kipina/mattermost-$(mm_version)}"
}

# cmd_build makes sure $CACHE/mattermost exists, next to copies of the
# module's i18n/, templates/ and fonts/ (the server also looks for them
# relative to its binary).
cmd_build() {
	local cache
	cache=$(cache_dir)
	mkdir -p "$cache"
	exec 9>"$cache/.lock"
	flock 9 # concurrent test packages may build at the same time
	if [[ -x $cache/mattermost && -d $cache/i18n && -d $cache/templates && -d $cache/fonts ]]; then
		flock -u 9
		printf '%s\n' "$cache/mattermost"
		return
	fi
	find_go
	local start=$SECONDS srcdir d
	log "building Mattermost $(mm_version) into $cache (takes several minutes on a cold cache)"
	(
		cd "$MODDIR"
		export GOWORK=off GOFLAGS=-buildvcs=false
		"$GO" mod download "$MM_MODULE"
		"$GO" build -o "$cache/mattermost.tmp" "$MM_MODULE/cmd/mattermost"
	) >&2 || die "go build of the Mattermost server failed"
	srcdir=$(cd "$MODDIR" && GOWORK=off GOFLAGS=-mod=mod "$GO" list -m -f '{{.Dir}}' "$MM_MODULE")
	[[ -d $srcdir/i18n ]] || die "no i18n/ in $srcdir"
	for d in i18n templates fonts; do
		rm -rf "${cache:?}/$d"
		cp -R "$srcdir/$d" "$cache/$d"
		chmod -R u+w "$cache/$d" # the module cache is read-only
	done
	mv -f "$cache/mattermost.tmp" "$cache/mattermost"
	flock -u 9
	log "built in $((SECONDS - start)) s"
	printf '%s\n' "$cache/mattermost"
}

# port_free reports whether no TCP socket (listening or connected) uses port $1.
port_free() {
	if command -v ss >/dev/null 2>&1; then
		[[ -z $(ss -Htan "sport = :$1" 2>/dev/null) ]] || return 1
	else
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 1; fi
	fi
	return 0
}

# free_port picks a random free port below the kernel's ephemeral range, so
# that outgoing connections (go downloads, other tests) cannot take it between
# our check and the server's bind. Callers still retry on "address in use".
free_port() {
	local p i lo=32768 span
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	span=$((lo - 15000))
	((span >= 1000)) || span=0
	for ((i = 0; i < 200; i++)); do
		if ((span > 0)); then
			p=$((15000 + (RANDOM * 32768 + RANDOM) % span))
		else
			p=$((20000 + RANDOM % 30000))
		fi
		if port_free "$p"; then
			printf '%s\n' "$p"
			return
		fi
	done
	die "no free port found"
}

# ping_ok reports whether GET /api/v4/system/ping answers 200 (no curl needed).
ping_ok() {
	(
		exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf 'GET /api/v4/system/ping HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n' "$1" >&3
		IFS= read -r -t 5 line <&3 || exit 1
		[[ $line == HTTP/1.?\ 200* ]]
	) 2>/dev/null
}

pg_bindir() {
	local d
	d=$(find /usr/lib/postgresql -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -n 1)
	[[ -n $d ]] && dirname "$d"
}

ensure_postgres() {
	if PGBIN=$(pg_bindir); then
		return
	fi
	[[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed and we are not root: apt-get install postgresql"
	log "installing PostgreSQL with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	{ apt-get update -q && apt-get install -y -q postgresql; } >&2 || die "apt-get install postgresql failed"
	PGBIN=$(pg_bindir) || die "no initdb under /usr/lib/postgresql after installing postgresql"
	# Debian starts a default cluster on port 5432; we use our own, so stop it.
	if command -v pg_ctlcluster >/dev/null 2>&1; then
		local v
		v=$(basename "$(dirname "$PGBIN")")
		pg_ctlcluster "$v" main stop >/dev/null 2>&1 || true
	fi
}

# as_pg runs a command as the postgres user when we are root (PostgreSQL
# refuses to run as root), from / so an unreadable working directory is no issue.
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		(cd / && exec setpriv --reuid=postgres --regid=postgres --init-groups -- "$@")
	else
		(cd / && exec "$@")
	fi
}

# alive PID WORD: the process exists and its command line mentions WORD
# (guards against a recycled PID). Right after the fork the command line is
# still the script's own, so the start path uses kill -0 instead.
# (No "| grep -q" here: with pipefail, grep exiting early can fail the
# pipeline through SIGPIPE and make a live process look dead.)
alive() {
	local cmdline
	[[ -n ${1:-} && -r /proc/$1/cmdline ]] || return 1
	cmdline=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ $cmdline == *"$2"* ]]
}

tail_logs() {
	local dir=$1 f
	for f in "$dir/postgres.log" "$dir/mattermost.log"; do
		[[ -s $f ]] || continue
		printf '\n===== last lines of %s =====\n' "$f" >&2
		tail -n 40 "$f" >&2
	done
}

write_env() {
	# shellcheck disable=SC2153 # upper-case globals set by cmd_start
	{
		printf 'MM_URL=%s\n' "$MM_URL"
		printf 'MM_PID=%s\n' "${MM_PID:-}"
		printf 'MM_BIN=%s\n' "${MM_BIN:-}"
		printf 'PG_PID=%s\n' "${PG_PID:-}"
		printf 'PG_PORT=%s\n' "${PG_PORT:-}"
		printf 'PG_ROOT=%s\n' "${PG_ROOT:-}"
		printf 'PG_BIN=%s\n' "${PGBIN:-}"
		printf "MM_DSN='%s'\n" "${MM_DSN:-}"
	} >"$DIR/env.tmp"
	mv -f "$DIR/env.tmp" "$DIR/env"
}

# proc_start PID prints the process's start time (clock ticks since boot),
# which tells it apart from a later process that got the same pid.
proc_start() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) } # after the command name, which may hold spaces
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $stat
	printf '%s\n' "${20}"
}

# owner_alive PID START: the owner process still runs.
owner_alive() {
	[[ -n ${1:-} && $(proc_start "$1" 2>/dev/null) == "${2:-}" ]]
}

# reap_orphans stops and removes what servers whose owner died without
# stopping them left behind: each /tmp/kipina-mm-pg.* with an owner file
# (written by starts with KIPINA_MM_OWNER_PID) whose owner is gone. Servers
# started by hand have no owner file and are never touched.
reap_orphans() {
	local root OWNER_PID OWNER_START OWNER_DIR
	for root in /tmp/kipina-mm-pg.*; do
		[[ -f $root/owner ]] || continue
		OWNER_PID='' OWNER_START='' OWNER_DIR=''
		{ read -r OWNER_PID && read -r OWNER_START && read -r OWNER_DIR; } <"$root/owner" 2>/dev/null || continue
		[[ $OWNER_PID =~ ^[0-9]+$ && $OWNER_START =~ ^[0-9]+$ ]] || continue
		owner_alive "$OWNER_PID" "$OWNER_START" && continue
		log "removing the leftovers of a run whose test process (pid $OWNER_PID) is gone: $root (state in $OWNER_DIR)"
		if [[ -n $OWNER_DIR && -f $OWNER_DIR/env ]] && grep -qxF "PG_ROOT=$root" "$OWNER_DIR/env"; then
			(cmd_stop "$OWNER_DIR") || true
		fi
		if [[ -d $root ]]; then # no env (any more): stop its postgres by the pid file
			local pid=''
			[[ -r $root/data/postmaster.pid ]] && pid=$(head -n 1 "$root/data/postmaster.pid")
			[[ -n $pid ]] && stop_pid "$pid" postgres INT
			if [[ -z $pid ]] || ! alive "$pid" postgres; then
				rm -rf "$root"
			fi
		fi
	done
}

# cmd_watch DIR PID START stops the server of DIR once the owner process is
# gone, unless DIR was stopped before (normal end: DIR/env is removed).
cmd_watch() {
	local dir=$1 pid=$2 start=$3
	while owner_alive "$pid" "$start" && [[ -f $dir/env ]]; do
		sleep 2
	done
	if [[ -f $dir/env ]]; then
		log "the owner (pid $pid) of the server in $dir is gone: stopping it"
		cmd_stop "$dir"
	fi
}

# start_watchdog runs cmd_watch in the background, detached from our output
# (the caller may wait for it to close) and from our session.
start_watchdog() {
	[[ -n ${OWNER_PID:-} ]] || return 0
	setsid bash "${BASH_SOURCE[0]}" watch "$DIR" "$OWNER_PID" "$OWNER_START" \
		</dev/null >>"$DIR/watchdog.log" 2>&1 9>&- &
}

cmd_start() {
	DIR=${1:?usage: mattermost.sh start DIR}
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
	if [[ -f $DIR/env ]]; then
		# shellcheck disable=SC1091
		(source "$DIR/env" && alive "${MM_PID:-}" mattermost) &&
			die "a server already runs for $DIR (stop it first)"
		cmd_stop "$DIR" 2>/dev/null || true
	fi
	local t0=$SECONDS pg_launch
	MM_BIN=$(cmd_build)
	local cache
	cache=$(dirname "$MM_BIN")
	ensure_postgres
	reap_orphans
	OWNER_PID='' OWNER_START=''
	if [[ -n ${KIPINA_MM_OWNER_PID:-} ]]; then
		OWNER_PID=$KIPINA_MM_OWNER_PID
		OWNER_START=$(proc_start "$OWNER_PID") || die "KIPINA_MM_OWNER_PID=$OWNER_PID: no such process"
	fi

	# --- PostgreSQL: own cluster, loopback only, free port ---
	# The data directory lives in its own /tmp dir owned by postgres: DIR may be
	# a 0700 test temp dir the postgres user cannot enter, and the unix socket
	# path must stay short.
	PG_ROOT=$(mktemp -d /tmp/kipina-mm-pg.XXXXXX)
	if [[ -n $OWNER_PID ]]; then
		printf '%s\n' "$OWNER_PID" "$OWNER_START" "$DIR" >"$PG_ROOT/owner" # pid, start time, state dir
	fi
	if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$PG_ROOT"; fi
	PG_PORT=$(free_port)
	MM_URL='' MM_PID='' PG_PID='' MM_DSN=''
	write_env # so that stop can clean up whatever gets started below
	start_watchdog
	local pwfile=$PG_ROOT/pw
	printf '%s\n' "$PG_PASS" >"$pwfile"
	if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$pwfile"; fi
	as_pg "$PGBIN/initdb" -D "$PG_ROOT/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		--pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 >"$DIR/postgres.log" 2>&1 ||
		{ tail_logs "$DIR"; cmd_stop "$DIR"; die "initdb failed"; }
	# postgres writes to DIR/postgres.log through the file descriptor we open here.
	# Launched without the as_pg function so that $! is postgres itself (exec chain).
	if [[ $(id -u) -eq 0 ]]; then
		pg_launch=(setpriv --reuid=postgres --regid=postgres --init-groups --)
	else
		pg_launch=()
	fi
	local i attempt ready
	for ((attempt = 1; ; attempt++)); do
		(cd / && exec "${pg_launch[@]}" "$PGBIN/postgres" -D "$PG_ROOT/data" -p "$PG_PORT" \
			-c listen_addresses=127.0.0.1 -c unix_socket_directories="$PG_ROOT" -c fsync=off \
			-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
			-c max_parallel_workers_per_gather=0) >>"$DIR/postgres.log" 2>&1 &
		PG_PID=$!
		write_env
		ready=''
		for ((i = 0; i < 60; i++)); do
			if as_pg "$PGBIN/pg_isready" -q -h "$PG_ROOT" -p "$PG_PORT"; then
				ready=1
				break
			fi
			kill -0 "$PG_PID" 2>/dev/null || break
			sleep 0.5
		done
		[[ -n $ready ]] && break
		if ((attempt < 3)) && ! kill -0 "$PG_PID" 2>/dev/null && grep -qi 'address already in use' "$DIR/postgres.log"; then
			log "postgres port $PG_PORT was taken, retrying"
			PG_PORT=$(free_port)
			continue
		fi
		tail_logs "$DIR"
		cmd_stop "$DIR"
		die "postgres did not start"
	done
	as_pg "$PGBIN/psql" -q -v ON_ERROR_STOP=1 -h "$PG_ROOT" -p "$PG_PORT" -U postgres -d postgres \
		-c "CREATE USER $PG_USER PASSWORD '$PG_PASS'" \
		-c "CREATE DATABASE $PG_DB OWNER $PG_USER" >>"$DIR/postgres.log" 2>&1 ||
		{ tail_logs "$DIR"; cmd_stop "$DIR"; die "creating the database failed"; }

	# --- Mattermost ---
	local port d
	MM_DSN="postgres://$PG_USER:$PG_PASS@127.0.0.1:$PG_PORT/$PG_DB?sslmode=disable&connect_timeout=10"
	mkdir -p "$DIR/data" "$DIR/plugins" "$DIR/client/plugins" "$DIR/logs"
	for d in i18n templates fonts; do
		[[ -e $DIR/$d ]] || ln -s "$cache/$d" "$DIR/$d"
	done
	[[ -f $DIR/config.json ]] || printf '{}\n' >"$DIR/config.json"
	local timeout=${KIPINA_MM_START_TIMEOUT:-120} t1=$SECONDS
	for ((attempt = 1; ; attempt++)); do
		port=$(free_port)
		MM_URL=http://127.0.0.1:$port
		start_mm "$port"
		MM_PID=$!
		write_env
		until ping_ok "$port"; do
			if ! kill -0 "$MM_PID" 2>/dev/null; then
				break
			fi
			if ((SECONDS - t1 >= timeout)); then
				tail_logs "$DIR"
				cmd_stop "$DIR"
				die "mattermost did not answer /api/v4/system/ping within ${timeout}s"
			fi
			sleep 0.5
		done
		kill -0 "$MM_PID" 2>/dev/null && break
		if ((attempt < 3)) && grep -qi 'address already in use' "$DIR/mattermost.log"; then
			log "mattermost port $port was taken, retrying"
			continue
		fi
		tail_logs "$DIR"
		cmd_stop "$DIR"
		die "mattermost exited during startup (see $DIR/mattermost.log)"
	done
	log "Mattermost up at $MM_URL after $((SECONDS - t1)) s (start total $((SECONDS - t0)) s; state in $DIR)"
	printf 'MM_URL=%s\n' "$MM_URL"
}

# start_mm PORT launches the server in the background ($! is its pid), with
# its whole configuration in MM_* environment variables (they override
# DIR/config.json and cannot be changed through the API).
start_mm() {
	local port=$1
	(
		cd "$DIR"
		export MM_SQLSETTINGS_DRIVERNAME=postgres
		export MM_SQLSETTINGS_DATASOURCE=$MM_DSN
		# A pool that fits in postgres' max_connections (the default 300
		# does not), and a query timeout a loaded 2-core machine cannot hit
		# (the default 30 s turns a slow moment into HTTP 500s).
		export MM_SQLSETTINGS_MAXOPENCONNS=100
		export MM_SQLSETTINGS_MAXIDLECONNS=20
		export MM_SQLSETTINGS_QUERYTIMEOUT=120
		export MM_SERVICESETTINGS_LISTENADDRESS=127.0.0.1:$port
		export MM_SERVICESETTINGS_SITEURL=$MM_URL
		export MM_SERVICESETTINGS_ENABLELOCALMODE=false
		export MM_SERVICESETTINGS_ENABLEBOTACCOUNTCREATION=true
		export MM_SERVICESETTINGS_ENABLEUSERACCESSTOKENS=true
		# slash commands, dialogs and buttons call the bot back on loopback:
		export MM_SERVICESETTINGS_ALLOWEDUNTRUSTEDINTERNALCONNECTIONS="127.0.0.1/8 localhost"
		export MM_SERVICESETTINGS_ENABLECOMMANDS=true
		export MM_SERVICESETTINGS_ENABLECUSTOMEMOJI=false
		export MM_SERVICESETTINGS_ENABLEINCOMINGWEBHOOKS=true
		export MM_SERVICESETTINGS_ENABLEOUTGOINGWEBHOOKS=true
		export MM_SERVICESETTINGS_ENABLEPOSTUSERNAMEOVERRIDE=true
		export MM_SERVICESETTINGS_ENABLEPOSTICONOVERRIDE=true
		export MM_SERVICESETTINGS_ENABLEAPITEAMDELETION=true
		export MM_SERVICESETTINGS_ENABLEAPIUSERDELETION=true
		export MM_SERVICESETTINGS_ENABLEAPICHANNELDELETION=true
		export MM_SERVICESETTINGS_ENABLESECURITYFIXALERT=false
		export MM_SERVICESETTINGS_ENABLEDEVELOPER=false
		export MM_TEAMSETTINGS_ENABLEOPENSERVER=true
		export MM_TEAMSETTINGS_MAXUSERSPERTEAM=1000
		export MM_EMAILSETTINGS_SENDEMAILNOTIFICATIONS=false
		export MM_EMAILSETTINGS_REQUIREEMAILVERIFICATION=false
		export MM_RATELIMITSETTINGS_ENABLE=false
		export MM_PLUGINSETTINGS_ENABLE=false
		export MM_PLUGINSETTINGS_ENABLEMARKETPLACE=false
		export MM_PLUGINSETTINGS_AUTOMATICPREPACKAGEDPLUGINS=false
		export MM_PLUGINSETTINGS_DIRECTORY=$DIR/plugins
		export MM_PLUGINSETTINGS_CLIENTDIRECTORY=$DIR/client/plugins
		export MM_FILESETTINGS_DIRECTORY=$DIR/data/
		export MM_LOGSETTINGS_CONSOLELEVEL=${KIPINA_MM_LOG_LEVEL:-ERROR}
		export MM_LOGSETTINGS_CONSOLEJSON=false
		export MM_LOGSETTINGS_ENABLEFILE=false
		export MM_LOGSETTINGS_FILELOCATION=$DIR/logs
		export MM_LOGSETTINGS_ENABLEDIAGNOSTICS=false
		export MM_NOTIFICATIONLOGSETTINGS_ENABLEFILE=false
		export MM_NOTIFICATIONLOGSETTINGS_FILELOCATION=$DIR/logs
		export MM_ANNOUNCEMENTSETTINGS_ADMINNOTICESENABLED=false
		export MM_ANNOUNCEMENTSETTINGS_USERNOTICESENABLED=false
		export MM_METRICSSETTINGS_ENABLE=false
		exec "$MM_BIN" server --config "$DIR/config.json"
	) >"$DIR/mattermost.log" 2>&1 &
}

# stop_pid PID WORD SIGNAL: signal the process and wait up to 30 s, then kill it.
stop_pid() {
	local pid=$1 word=$2 sig=$3 i
	alive "$pid" "$word" || return 0
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < 60; i++)); do
		alive "$pid" "$word" || return 0
		sleep 0.5
	done
	log "$word (pid $pid) did not stop in 30 s: killing it"
	kill -KILL "$pid" 2>/dev/null || true
}

cmd_stop() {
	local dir=${1:?usage: mattermost.sh stop DIR}
	[[ -f $dir/env ]] || return 0
	local MM_PID='' PG_PID='' PG_ROOT=''
	# shellcheck disable=SC1091
	source "$dir/env"
	stop_pid "$MM_PID" mattermost TERM
	stop_pid "$PG_PID" postgres INT # SIGINT = fast shutdown
	local pid
	if [[ -n $PG_ROOT && -r $PG_ROOT/data/postmaster.pid ]]; then
		pid=$(head -n 1 "$PG_ROOT/data/postmaster.pid")
		stop_pid "$pid" postgres INT
	fi
	if [[ $PG_ROOT == /tmp/kipina-mm-pg.* && -d $PG_ROOT ]]; then
		if [[ -n ${pid:-} ]] && alive "$pid" postgres; then
			log "error: postgres (pid $pid) still runs: keeping $PG_ROOT and $dir/env"
			return 1
		fi
		rm -rf "$PG_ROOT"
	fi
	rm -f "$dir/env"
}

main() {
	case ${1:-} in
	build) cmd_build ;;
	start) cmd_start "${2:-}" ;;
	stop) cmd_stop "${2:-}" ;;
	watch) cmd_watch "$2" "$3" "$4" ;; # internal: see start_watchdog
	*)
		sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
		exit 2
		;;
	esac
}

# One line, so that bash has read the whole file before running anything
# (editing the script while a test runs it cannot derail the running copy).
main "$@"; exit
