"""The themes of one open question answered by 5,000 people (issue 21 point 5): a tenant of tens of
thousands of staff.

It times what the job after a close does per question (`saas.opentext.service.question_themes`: TF-IDF,
an NMF fit for each number of themes from 2 to 8, the silhouettes, the cut to what may be shown) on
generated Dutch answers: six topics of 25 words each, among 2,000 words of no topic, 8 to 30 words an
answer. No database: the job reads the answers from the release's JSON, which takes milliseconds.

It prints the time beside its floor, the TF-IDF of the same answers alone (`saas.opentext.maths.vectorise`:
reading the texts once), the ratio, the number of themes chosen and the target: at most 10 s.

    .venv/bin/python bench/themes.py [--answers 5000]
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from saas.opentext.maths import vectorise  # noqa: E402
from saas.opentext.service import question_themes  # noqa: E402

TARGET_SECONDS = 10.0


def answers(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    syllables = ["ba", "de", "ko", "ri", "lu", "ven", "sta", "mer", "pol", "ten", "gra", "wi"]
    topics = [[f"{''.join(rng.sample(syllables, 3))}{t}" for _ in range(25)] for t in range(6)]
    common = [''.join(rng.sample(syllables, 4)) for _ in range(2000)]
    stop = ["de", "het", "een", "en", "is", "er", "te", "veel", "bij", "ons", "niet", "wel", "dat"]
    texts = []
    for _ in range(count):
        topic = rng.choice(topics)
        length = rng.randint(8, 30)
        words = [rng.choice(topic) if rng.random() < 0.3 else rng.choice(common) if rng.random() < 0.5
                 else rng.choice(stop) for _ in range(length)]
        texts.append(" ".join(words).capitalize() + ".")
    return sorted(texts, key=str.casefold)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=5000)
    options = parser.parse_args()
    texts = answers(options.answers)
    floors, runs = [], []
    for _ in range(3):  # interleaved, the best of three each (the machine is shared)
        started = time.perf_counter()
        vectorise(texts)
        floors.append(time.perf_counter() - started)
        started = time.perf_counter()
        result = question_themes({"key": "q1", "text": {}, "answers": texts}, 5)
        runs.append(time.perf_counter() - started)
    seconds, floor = min(runs), min(floors)
    print(f"{options.answers} answers: themes {seconds:.2f} s (target at most {TARGET_SECONDS:.0f} s), "
          f"TF-IDF alone {floor:.2f} s, ratio {seconds / floor:.1f}; {result['chosen']} themes chosen, "
          f"{len(result['themes'])} shown, tried {result['tried']}")
    sys.exit(0 if seconds <= TARGET_SECONDS else 1)


if __name__ == "__main__":
    main()
