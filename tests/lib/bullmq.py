"""BullMQ-shaped keys, as BullMQ lays them out, for the redis exporter's tests
(tests/integration/test_redis.py asserts the counts) and the e2e stack (tests/lib/stack.py).

Under prefix `bull`: queue email with jobs in every state (its meta hash and job counter,
waiting 2 and 3, active 1, delayed 4 and 5, prioritized 6, failed 7-9, completed 10-13),
queue reports with its job counter only, and a job hash (bull:orphan:42) that names no queue.
Job 2, the oldest waiting one (workers take the right end of the wait list), is 120 s old
at now_ms; job 3 is 5 s old."""


def write_queues(server, now_ms):
    """Writes the keys above into `server` (a redis_harness server: .cmd(*args))."""
    c = server.cmd
    c("HSET", "bull:email:meta", "opts.maxLenEvents", "10000")
    c("SET", "bull:email:id", "12")
    # New jobs are pushed on the left; workers take the right end: 2 is the oldest.
    c("LPUSH", "bull:email:wait", "2", "3")
    c("HSET", "bull:email:2", "name", "welcome", "timestamp", str(now_ms - 120000))
    c("HSET", "bull:email:3", "name", "welcome", "timestamp", str(now_ms - 5000))
    c("LPUSH", "bull:email:active", "1")
    c("ZADD", "bull:email:delayed", "1", "4", "2", "5")
    c("ZADD", "bull:email:prioritized", "1", "6")
    c("ZADD", "bull:email:failed", "1", "7", "2", "8", "3", "9")
    c("ZADD", "bull:email:completed", "1", "10", "2", "11", "3", "12", "4", "13")
    c("SET", "bull:reports:id", "0")
    c("HSET", "bull:orphan:42", "timestamp", "1")
