#!/bin/sh
# Turns the UCI Adult files into headed CSVs for the pipeline's training and
# evaluation steps. Run by the AddHeaders processing step, which sets:
#   TABPILOT_INPUT_TRAIN   adult.data (no header, ", " separated)
#   TABPILOT_INPUT_TEST    adult.test (first line "|1x3 Cross validator", labels end with ".")
#   TABPILOT_OUTPUT_DATA   folder to write train.csv and test.csv into
set -eu
header="age,workclass,fnlwgt,education,education-num,marital-status,occupation,relationship,race,sex,capital-gain,capital-loss,hours-per-week,native-country,income"

for var in TABPILOT_INPUT_TRAIN TABPILOT_INPUT_TEST TABPILOT_OUTPUT_DATA; do
  eval "value=\${$var:-}"
  if [ -z "$value" ]; then
    echo "add_headers.sh: $var is not set" >&2
    exit 2
  fi
done

# Drop blank lines, the ", " spacing, and (test file) the comment line and the
# trailing "." on labels, so both files spell the classes ">50K" / "<=50K".
{
  echo "$header"
  sed -e '/^[[:space:]]*$/d' -e 's/, /,/g' "$TABPILOT_INPUT_TRAIN"
} > "$TABPILOT_OUTPUT_DATA/train.csv"
{
  echo "$header"
  sed -e '/^|/d' -e '/^[[:space:]]*$/d' -e 's/, /,/g' -e 's/\.$//' "$TABPILOT_INPUT_TEST"
} > "$TABPILOT_OUTPUT_DATA/test.csv"

echo "train.csv: $(($(wc -l < "$TABPILOT_OUTPUT_DATA/train.csv") - 1)) rows"
echo "test.csv: $(($(wc -l < "$TABPILOT_OUTPUT_DATA/test.csv") - 1)) rows"
