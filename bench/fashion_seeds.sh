#!/usr/bin/env bash
# Trains models/fashion.cnn with the README's Fashion-MNIST command (see
# "Training on Fashion-MNIST") once for each seed, 1 to 5 unless seeds are
# given, measures each run's weights with cnnc eval on the 10,000 test
# images, and prints each run's accuracy and wall time (of the command as
# the README gives it: go run, with Go's build cache warm), then their
# median and range, with the CPU and the load average before and after,
# which on a shared machine says what the times are worth. Run it from
# anywhere in the repository, with Debian's dataset-fashion-mnist:
#
#	bench/fashion_seeds.sh [SEED...]   # weights and logs in $FASHION_OUT (/tmp/fashion-seeds)
set -euo pipefail
cd "$(dirname "$0")/.."
data=/usr/share/datasets/fashion-mnist
out=${FASHION_OUT:-/tmp/fashion-seeds}
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(1 2 3 4 5)
# The README's command, but --seed and --out.
train=(train --data "$data" --normalize --epochs 8 --batch 32 --optim adamw --lr 0.002 --warmup 1 --schedule cosine)
norm=(--mean 0.2860406 --std 0.35302424) # what --normalize prints
mkdir -p "$out"
go build -o /dev/null ./cmd/cnnc # warm the build cache, as after a first run
echo "$(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for s in "${seeds[@]}"; do
	start=$(date +%s.%N)
	go run ./cmd/cnnc "${train[@]}" --seed "$s" --out "$out/seed$s.npz" --log "$out/seed$s.jsonl" --plot "$out/seed$s.svg" models/fashion.cnn >"$out/seed$s.txt"
	end=$(date +%s.%N)
	acc=$(go run ./cmd/cnnc eval --engine gen --weights "$out/seed$s.npz" --data "$data" --format json "${norm[@]}" models/fashion.cnn | jq .accuracy)
	line=$(awk -v s="$s" -v a="$acc" -v t0="$start" -v t1="$end" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
		'BEGIN { printf "seed %s  test accuracy %.2f%%  wall %.0f s (%.1f min)  load %s", s, 100*a, t1-t0, (t1-t0)/60, l }')
	echo "$line"
	results+=("$acc $(awk -v t0="$start" -v t1="$end" 'BEGIN { print t1-t0 }')")
done
# median and range of column $1 of the results
stats() { printf '%s\n' "${results[@]}" | cut -d' ' -f"$1" | sort -g | awk '
	{ v[NR] = $1 }
	END { printf "%s %s %s", (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2, v[1], v[NR] }'; }
read -r am alo ahi <<<"$(stats 1)"
read -r tm tlo thi <<<"$(stats 2)"
awk -v n=${#results[@]} -v am="$am" -v alo="$alo" -v ahi="$ahi" -v tm="$tm" -v tlo="$tlo" -v thi="$thi" 'BEGIN {
	printf "%d seeds: test accuracy median %.2f%%, range %.2f%% to %.2f%%; wall time median %.0f s, range %.0f to %.0f s\n", n, 100*am, 100*alo, 100*ahi, tm, tlo, thi }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
