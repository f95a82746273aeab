"""Stratified split of a text,category CSV for bench faq-eval (bench/README.md): per category, shuffled with the
seed, the first 20% (rounded) to the test file. The splits in the README:
  python3 bench/faq-split.py train.csv train80.csv test20.csv 42      # the 80/20 split figures are reported on
  python3 bench/faq-split.py train80.csv dev_train.csv dev_test.csv 7 # tuning split inside the 80%
"""
import csv
import random
import sys
from collections import defaultdict

source, train_path, test_path, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
by_category = defaultdict(list)
with open(source, newline="", encoding="utf-8") as f:
    for row in csv.DictReader(f):
        by_category[row["category"]].append(row)

rng = random.Random(seed)
train, test = [], []
for category in sorted(by_category):
    rows = by_category[category][:]
    rng.shuffle(rows)
    k = round(len(rows) * 0.2)
    test += rows[:k]
    train += rows[k:]

for path, rows in ((train_path, train), (test_path, test)):
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "category"])
        writer.writeheader()
        writer.writerows({"text": r["text"], "category": r["category"]} for r in rows)
print(f"{source}: {len(train)} / {len(test)}")
