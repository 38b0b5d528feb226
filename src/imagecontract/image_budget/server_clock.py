"""A Redis rate bucket timed by the Redis server, in the same script that counts and adds.

pyrate-limiter's `RedisBucket` stamps an item with the client's clock and then runs its check-and-add script. Two
processes may read their clocks in one order and reach Redis in the other: the later stamp then lies outside the
window the earlier one counts (start to its own now), both are admitted, and a budget of 3 images a second let 4
through within 0.32 s (`tests/budget/test_budget_store.py`, on a loaded machine). Here the script reads Redis's
`TIME` itself; Redis runs one script at a time, so stamps follow the order of admission and no window ever holds
more than its limit, for processes on one machine or many. Entries are dropped by the same clock. The window is
pyrate-limiter's sliding log: `interval` ms back from now, its start included.
"""

from __future__ import annotations

import uuid
from typing import Any

from pyrate_limiter import RedisBucket
from pyrate_limiter.abstracts.algorithm import ADMITTED, Decision

CHECK_AND_ADD = """
local key, weight, name = KEYS[1], tonumber(ARGV[1]), ARGV[2]
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
for i = 3, #ARGV, 2 do
  if tonumber(ARGV[i + 1]) - redis.call('ZCOUNT', key, now - tonumber(ARGV[i]), '+inf') < weight then
    return (i - 3) / 2
  end
end
for n = 1, weight do
  redis.call('ZADD', key, now, name .. n)
end
return -1
"""
"""Returns the index of the first rate with no room for `weight`, or -1 when the entries were added."""


class ServerClockRedisBucket(RedisBucket):
    """`RedisBucket` whose check, add and leak use the Redis server's clock (synchronous clients only)."""

    @classmethod
    def init(cls, rates: list[Any], redis: Any, bucket_key: str, algorithm: Any = None) -> ServerClockRedisBucket:
        return cls(rates, redis, bucket_key, redis.script_load(CHECK_AND_ADD), algorithm)

    def _check_and_insert(self, item: Any) -> Decision:
        limits = [value for rate in self.rates for value in (rate.interval, rate.limit)]
        index = int(self.redis.evalsha(self.script_hash, 1, self.bucket_key, item.weight, f"{item.name}:{uuid.uuid4().hex}:",
                                       *limits))
        return ADMITTED if index < 0 else Decision(failing_rate=self.rates[index])

    def leak(self, current_timestamp: int | None = None) -> int:
        seconds, microseconds = self.redis.time()
        now = seconds * 1000 + microseconds // 1000
        return int(self.redis.zremrangebyscore(self.bucket_key, 0, now - max(rate.interval for rate in self.rates) - 1))
