#!/usr/bin/env bash
# CI: shards run by a real Slurm cluster. Installs Debian's slurm-wlm and munge when missing,
# starts a one-node cluster on this machine (slurmctld and slurmd run directly, no systemd)
# and submits the README's job-array and merge scripts (docs/cluster/*.sbatch):
#   (a) 4 shards, then a merge job with --dependency=afterok: the merged folder must equal a
#       single-process run with the same seed and paths, file for file, byte for byte;
#   (b) the array again, one task cancelled while it runs: merge must refuse the incomplete
#       shard and name it; only that index is resubmitted, and the merge must equal again;
#   (c) the script `infercast shards` prints (4 shards as two arrays of at most 3 tasks, then
#       the merge after both), run as printed: the merged folder must equal (a)'s single run.
# Usage: .ci/slurm.sh [INFERCAST_BINARY]   (default: cargo build --release). Needs root.
# Safe to run again on the same machine: the cluster's files live in /var/spool/infercast-slurm
# (rewritten each time), the runs' in target/slurm-ci/, and the daemons it starts (munged too
# unless it was running before) are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

if [[ -n ${1:-} ]]; then
    bin=$(realpath "$1")
else
    cargo build --release --quiet
    bin=$repo/target/release/infercast
fi
[[ -x $bin ]] || { echo "error: $bin is not an executable" >&2; exit 1; }
if [[ $(id -u) != 0 ]]; then
    exec sudo --preserve-env=CI "$repo/.ci/slurm.sh" "$bin"
fi

STATE=/var/spool/infercast-slurm # slurm.conf, the daemons' state and logs (short, exec-able)
out=$repo/target/slurm-ci        # the runs' folders and the jobs' logs
export SLURM_CONF=$STATE/slurm.conf
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f s", b - a }'; }
t_start=$(now)
timings=()

fail() {
    echo "FAIL: $*" >&2
    for f in "$out"/*/logs/* "$STATE"/log/*; do
        [[ -f $f ]] && { echo "--- $f (last 15 lines)"; tail -n 15 "$f"; } >&2
    done
    exit 1
}

# The README shows the two job scripts verbatim: the block after each file's link.
for f in docs/cluster/infercast-array.sbatch docs/cluster/infercast-merge.sbatch; do
    awk -v link="($f)" 'index($0, link) { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' README.md | diff -u - "$f" >&2 ||
        fail "README.md's block after the link to $f differs from the file (- README, + file)"
done

# --- install ---------------------------------------------------------------------------------
munged_pid_file=/run/munge/munged.pid
alive() { [[ -f $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null; }
alive "$munged_pid_file" && munge_was_running=1 || munge_was_running=0
missing=()
for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "== installing slurm-wlm and munge (missing: ${missing[*]})"
    export DEBIAN_FRONTEND=noninteractive
    apt=(apt-get install -y -q --no-install-recommends slurm-wlm munge)
    "${apt[@]}" >/dev/null 2>&1 || { apt-get update -q >/dev/null && "${apt[@]}" >/dev/null; }
fi
timings+=("install (if needed): $(secs "$t_start" "$(now)")")
echo "== $(slurmctld -V) on $(hostname -s), $(nproc) CPUs" # (sinfo -V wants a slurm.conf)

# --- munge: the key and the daemon (the package may have started it) ------------------------
ctld_pid='' slurmd_pid=''
stop_pid() { # TERM, up to 10 s to exit, then KILL
    kill "$1" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
    kill -9 "$1" 2>/dev/null
}
stop() {
    set +e
    if [[ -n $ctld_pid ]] && scancel --quiet --partition=ci 2>/dev/null; then
        for _ in $(seq 50); do [[ -z $(squeue -h 2>/dev/null) ]] && break; sleep 0.2; done
    fi
    for pid in $slurmd_pid $ctld_pid; do stop_pid "$pid"; done
    if ((!munge_was_running)) && alive "$munged_pid_file"; then
        stop_pid "$(cat "$munged_pid_file")"
    fi
}
trap stop EXIT
mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
[[ -s /etc/munge/munge.key ]] || mungekey --create --keyfile=/etc/munge/munge.key
chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
chmod 700 /etc/munge && chmod 400 /etc/munge/munge.key && chmod 755 /run/munge
alive "$munged_pid_file" || runuser -u munge -- /usr/sbin/munged # forks, writes its pid file
munge -n | unmunge >/dev/null || fail "munge does not work"

# --- slurm.conf and the daemons ------------------------------------------------------------
# Daemons and jobs left by an earlier run that was killed before its trap ran (found by our
# pid files, still with the earlier slurm.conf).
ours() { alive "$STATE/run/$1.pid" && [[ $(cat "/proc/$(cat "$STATE/run/$1.pid")/comm") == "$1" ]]; }
if ours slurmctld; then
    scancel --quiet --partition=ci
    for _ in $(seq 50); do [[ -z $(squeue -h) ]] && break; sleep 0.2; done
fi
for d in slurmd slurmctld; do
    if ours $d; then stop_pid "$(cat "$STATE/run/$d.pid")"; fi
done
rm -rf "$STATE"
mkdir -p "$STATE"/{ctld,spool,run,log}
node=$(hostname -s)
memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
# One node, addressed as 127.0.0.1 (the host name need not resolve); private ports, so an
# installed Slurm is left alone. No cgroups: linuxproc tracks a job's processes, task/none
# binds nothing. CR_CPU: each CPU is a slot, so two 1-CPU tasks run at once on 2 CPUs.
cat >"$SLURM_CONF" <<EOF
ClusterName=infercast-ci
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
DependencyParameters=kill_invalid_depend
ReturnToService=2
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$memory State=UNKNOWN
PartitionName=ci Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF

t_boot=$(now)
# -D: stay in the foreground (of a background job here); -c: no jobs from an earlier state.
slurmctld -D -c -f "$SLURM_CONF" >"$STATE/log/slurmctld.out" 2>&1 </dev/null &
ctld_pid=$!
slurmd -D -f "$SLURM_CONF" >"$STATE/log/slurmd.out" 2>&1 </dev/null &
slurmd_pid=$!
for _ in $(seq 300); do
    [[ $(sinfo -h -n "$node" -o %T 2>/dev/null) == idle ]] && break
    kill -0 "$ctld_pid" "$slurmd_pid" 2>/dev/null || fail "a Slurm daemon exited"
    sleep 0.2
done
[[ $(sinfo -h -n "$node" -o %T) == idle ]] || fail "node $node is not idle after 60 s"
timings+=("slurmctld + slurmd up, node idle: $(secs "$t_boot" "$(now)")")
sinfo

# --- helpers --------------------------------------------------------------------------------
# Waits until every task of job $1 has ended (at most $2 seconds); prints their states.
wait_job() {
    local id=$1 deadline=$((SECONDS + $2)) states
    while :; do
        states=$(squeue -h -j "$id" -t all -o '%i %T %M' 2>/dev/null) || states=''
        if [[ -n $states ]] && ! grep -qvE ' (COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED) ' <<<"$states"; then
            sort -V <<<"$states" | sed 's/^/    /'
            return
        fi
        ((SECONDS < deadline)) || fail "job $id has not ended after $2 s: $states"
        sleep 0.3
    done
}
# The states of job $1's tasks, e.g. "COMPLETED COMPLETED CANCELLED COMPLETED".
states() { squeue -h -j "$1" -t all -o '%i %T' | sort -V | awk '{ printf "%s%s", sep, $2; sep = " " }'; }
# What states() should say of the array: COMPLETED for every task, CANCELLED for task $1.
expected() {
    for ((i = 0; i < INFERCAST_SHARDS; i++)); do
        [[ $i == "${1:-}" ]] && echo CANCELLED || echo COMPLETED
    done | paste -sd' '
}
# Fails unless folders $1 and $2 hold the same files with the same bytes.
# Every file equal, but what differs from run to run by design (README, "Output folders"):
# provenance.json (when, how long, which command) and the delimited provenance block of each
# page, compared without it.
stable_copy() {
    rm -rf "$2" && cp -r "$1" "$2" && rm -f "$2/provenance.json"
    find "$2" -name '*.html' -exec sed -i \
        '/<!-- provenance: differs from run to run -->/,/<!-- \/provenance -->/d' {} +
}
same_files() {
    stable_copy "$1" "$1.stable" && stable_copy "$2" "$2.stable"
    diff -r "$1.stable" "$2.stable" >/dev/null ||
        fail "$2 differs from $1: $(diff -rq "$1.stable" "$2.stable" | head -5)"
    local sums
    sums=$(cd "$1.stable" && find . -type f | sort | xargs sha256sum | sha256sum | cut -c1-16)
    echo "    identical: $(find "$1.stable" -type f | wc -l) files (provenance aside), sha256 of the sha256 list $sums"
}
shard_dirs() { for ((k = 0; k < INFERCAST_SHARDS; k++)); do echo "$INFERCAST_SHARD_DIR/$k"; done; }
submit_array() { # extra sbatch options
    sbatch --parsable --cpus-per-task=1 --output="$logs/%x-%A_%a.out" "$@" \
        docs/cluster/infercast-array.sbatch
}
submit_merge() { # the job to wait for
    sbatch --parsable --dependency="afterok:$1" --output="$logs/%x-%j.out" \
        docs/cluster/infercast-merge.sbatch
}
# One process, the same scenario, seed and paths: the reference.
single_run() {
    local t0
    t0=$(now)
    "$bin" run "$INFERCAST_SCENARIO" --paths "$INFERCAST_PATHS" --seed "$INFERCAST_SEED" \
        --quiet --out "$1" >/dev/null
    timings+=("$2 single-process run ($INFERCAST_PATHS paths): $(secs "$t0" "$(now)")")
}

export INFERCAST=$bin INFERCAST_SCENARIO=scenarios/base.toml INFERCAST_SEED=7 INFERCAST_SHARDS=4

# --- (a) the job array and the merge job -----------------------------------------------------
a=$out/a logs=$out/a/logs
rm -rf "$a" && mkdir -p "$logs"
export INFERCAST_PATHS=2048 INFERCAST_SHARD_DIR=$a/shards INFERCAST_OUT=$a/merged
echo "== (a) $INFERCAST_SHARDS shards of $INFERCAST_PATHS paths, then the merge"
t0=$(now)
array=$(submit_array --array=0-$((INFERCAST_SHARDS - 1)))
merge=$(submit_merge "$array")
echo "    array job $array, merge job $merge (afterok:$array)"
wait_job "$array" 300
t1=$(now)
wait_job "$merge" 300
t2=$(now)
[[ $(states "$array") == "$(expected)" ]] || fail "array $array: $(states "$array")"
[[ $(states "$merge") == COMPLETED ]] || fail "merge $merge: $(states "$merge")"
timings+=("(a) array job, submission to the last task's end: $(secs "$t0" "$t1")")
timings+=("(a) merge job, from there to its end: $(secs "$t1" "$t2")")
single_run "$a/single" "(a)"
t0=$(now)
same_files "$a/single" "$a/merged"
timings+=("(a) comparison of every file: $(secs "$t0" "$(now)")")

# --- (b) a task cancelled midway, merge refuses, that index resubmitted ----------------------
b=$out/b logs=$out/b/logs k=1
rm -rf "$b" && mkdir -p "$logs"
# More paths, so that a task runs for seconds and is cancelled mid-run.
export INFERCAST_PATHS=16384 INFERCAST_SHARD_DIR=$b/shards INFERCAST_OUT=$b/merged
echo "== (b) $INFERCAST_SHARDS shards of $INFERCAST_PATHS paths; task $k cancelled while it runs"
t0=$(now)
array=$(submit_array --array=0-$((INFERCAST_SHARDS - 1)))
deadline=$((SECONDS + 120))
until [[ $(squeue -h -j "${array}_$k" -o %T 2>/dev/null) == RUNNING ]]; do
    ((SECONDS < deadline)) || fail "task ${array}_$k is not running after 120 s"
    sleep 0.1
done
sleep 1
scancel "${array}_$k"
echo "    scancel ${array}_$k, 1 s after it started"
wait_job "$array" 300
t1=$(now)
[[ $(states "$array") == "$(expected "$k")" ]] || fail "array $array: $(states "$array")"
echo "    ${array}_$k: $(scontrol show job "${array}_$k" | grep -o 'JobState=[A-Z]* \|ExitCode=[0-9:]*' | tr -d '\n')"
manifest=$INFERCAST_SHARD_DIR/$k/manifest.json
[[ -f $manifest ]] || fail "the cancelled task $k wrote no manifest.json"
grep -q '"complete": false' "$manifest" ||
    fail "task $k finished before it was cancelled (raise INFERCAST_PATHS in (b))"
echo "    $manifest: \"complete\": false, $(tr -d ' \n' <"$manifest" | grep -o '"blocks_done":\[[][0-9,]*\]')"
timings+=("(b) array job with one task cancelled: $(secs "$t0" "$t1")")
mapfile -t dirs < <(shard_dirs)
if refusal=$("$bin" merge "${dirs[@]}" --out "$b/refused" 2>&1); then
    fail "merge accepted the cancelled shard: $refusal"
else
    code=$?
fi
echo "    infercast merge refused (exit $code): $refusal"
grep -qF "$INFERCAST_SHARD_DIR/$k" <<<"$refusal" || fail "the refusal does not name shard $k"
[[ ! -e $b/refused ]] || fail "the refused merge wrote $b/refused"
t0=$(now)
rerun=$(submit_array --array=$k)
merge=$(submit_merge "$rerun")
echo "    resubmitted: job $rerun (--array=$k), merge job $merge (afterok:$rerun)"
wait_job "$rerun" 300
t1=$(now)
wait_job "$merge" 300
t2=$(now)
[[ $(states "$rerun") == COMPLETED ]] || fail "rerun $rerun: $(states "$rerun")"
[[ $(states "$merge") == COMPLETED ]] || fail "merge $merge: $(states "$merge")"
timings+=("(b) resubmitted task $k: $(secs "$t0" "$t1")")
timings+=("(b) merge job: $(secs "$t1" "$t2")")
single_run "$b/single" "(b)"
t0=$(now)
same_files "$b/single" "$b/merged"
timings+=("(b) comparison of every file: $(secs "$t0" "$(now)")")

# --- (c) the script `infercast shards` prints: 4 shards as arrays of at most 3 tasks -----------
c=$out/c
rm -rf "$c" && mkdir -p "$c"
echo "== (c) infercast shards --shards 4 --max-array 3: its script submitted as printed"
"$bin" shards "$repo/scenarios/base.toml" --paths 2048 --seed 7 --shards 4 --max-array 3 \
    --cpus 1 --dir "$c/shards" --out "$c/merged" >"$c/submit.sh"
t0=$(now)
submitted=$(cd "$c" && bash submit.sh) || fail "the script of infercast shards failed: $submitted"
echo "    $submitted"
merge=${submitted##*merge job: }
for job in $(sed 's/^shard arrays: \(.*\);.*/\1/' <<<"$submitted"); do wait_job "$job" 300; done
wait_job "$merge" 300
[[ $(states "$merge") == COMPLETED ]] || fail "merge $merge: $(states "$merge")"
timings+=("(c) the printed script's arrays and merge: $(secs "$t0" "$(now)")")
same_files "$a/single" "$c/merged"

timings+=("total: $(secs "$t_start" "$(now)")")
echo "== Slurm timings"
printf '    %s\n' "${timings[@]}"
