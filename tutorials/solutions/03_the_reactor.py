"""Solutions to lesson 03: callLater(0) from a callback; stopping from callWhenRunning."""

from reactor import SelectReactor

# 1. callLater(0, f) from inside a callback: f runs after that callback returns, on the next
#    pass -- the loop checks for I/O first, with a timeout of 0 (it does not really wait).
reactor = SelectReactor()
order: list[str] = []


def greet() -> None:
    order.append("greet starts")
    reactor.callLater(0, lambda: order.append("the callLater(0) call"))
    order.append("greet ends")


reactor.setTracing(
    lambda event, detail: order.append(f"wait {detail}") if event == "wait" else None
)
reactor.callLater(0.05, greet)
reactor.callLater(0.1, reactor.stop)
reactor.run()
steps = [s if not s.startswith("wait") else "wait" for s in order]
print(
    "1.", " -> ".join(steps[steps.index("greet starts") : steps.index("the callLater(0) call") + 1])
)
print("   the wait between them had a timeout of 0:", "wait 0" in order)
reactor.close()

# 2. stop() from callWhenRunning: no timed call runs; cancel them so none is left behind.
reactor = SelectReactor()
ran: list[str] = []
calls = [reactor.callLater(0.1 * n, ran.append, f"call {n}") for n in (1, 2, 3)]
reactor.callWhenRunning(reactor.stop)
reactor.run()
for call in calls:
    if call.active():
        call.cancel()
print(f"2. timed calls that ran: {ran}; still pending: {len(reactor.getDelayedCalls())}")
reactor.close()
