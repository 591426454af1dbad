"""The sample bank: a deterministic, realistic bank of any size for demos, tests and benchmarks.

`build_sample_bank(engine, settings, clients=N, today=…, seed=7)` writes it through
`domain.bulk.write_rows`, the importer's writer. The same seed, size and `today` always give the
same rows.

Fixed keys (present in every sample bank; the importer's sample files rely on them when N ≥ 1000):

- units `HO` (head office), `BR01` (the branch, under HO), `SB01` (its first sub-branch) and
  `OT0001` (the first outlet, under SB01); more sub-branches `SB02`… and outlets `OT0002`…;
- team `T0001` at OT0001; more teams `T0002`…;
- staff `E00001` admin (Telegram id 100001), `E00002` branch head of BR01 (100002), `E00003` team
  lead of T0001 (100003), `E00004` RM in T0001 (100004) — the demo RM; then `E00005`… in order:
  the rest of T0001, each further team's lead and RMs, one head per sub-branch, a second admin.
  Only these four demo personas have Telegram ids;
- clients `C000000001` … `C{N:09d}`. The first twelve are the demo RM's showcase, one story each
  (see `Story`): a solar birthday today, a follow-up due today, a large transfer to another bank
  yesterday, a lunar birthday today, a large deposit yesterday, a contact overdue, lost contact,
  AUM down 45 % in a week, a private client's birthday in seven days, born on 29 February, a
  withdrawal just below the large-movement line yesterday, a corporate client's large outflow to
  another bank three days ago;
- external ids of generated history: `smp-t-C000000001-001` (transactions) and
  `smp-i-C000000001-001` (interactions), numbered in time order per client.
"""

from domain.sample.build import (
    CHUNK_CLIENTS,
    SAMPLE_CLIENT,
    BankNotEmpty,
    SampleReport,
    bank_counts,
    build_sample_bank,
    empty_bank,
)
from domain.sample.clients import Story

__all__ = [
    "CHUNK_CLIENTS",
    "SAMPLE_CLIENT",
    "BankNotEmpty",
    "SampleReport",
    "Story",
    "bank_counts",
    "build_sample_bank",
    "empty_bank",
]
