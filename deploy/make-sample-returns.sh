#!/usr/bin/env bash
# Writes the UN DESA 2020 sample figures as SDMX-CSV returns, one per state and year:
#   deploy/make-sample-returns.sh OUTDIR [STATE...]
# makes OUTDIR/<STATE>_<YEAR>.csv for the named states (default: all seven).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: make-sample-returns.sh OUTDIR [STATE...]}
shift
states=("$@")
[ ${#states[@]} -gt 0 ] || states=(AZ KZ KG TR UZ HU TM)
mkdir -p "$out"
for state in "${states[@]}"; do
  awk -F, -v state="$state" -v out="$out" '
    NR > 1 && $1 == state {
      file = out "/" state "_" $3 ".csv"
      if (!(file in started)) {
        print "DATAFLOW,REF_AREA,TIME_PERIOD,CITIZEN,STAY_CAT,SEX,AGE,OBS_VALUE,OBS_STATUS,CONF_STATUS,STOCK_FLOW" > file
        started[file] = 1
      }
      printf "OTS:DF_MIGR_STOCK(1.0),%s,%s,%s,_T,%s,_T,%s,A,F,STK\n", $1, $3, $2, $4, $5 > file
    }' "$here/sample-data/undesa_ims2020.csv"
done
