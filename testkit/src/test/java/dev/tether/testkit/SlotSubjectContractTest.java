package dev.tether.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Lifecycle;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The whole battery against {@link SlotSubject}, which is built on Tether: every check passes. */
class SlotSubjectContractTest implements ListenerLifecycleContract {
  private final Lifecycle root = Lifecycle.root("slot-subjects");
  private final ExecutorService pool = Executors.newCachedThreadPool();

  @Override
  public SubjectFactory subjects() {
    return new SubjectFactory() {
      @Override
      public Subject open(String name, Listener listener) {
        return new SlotSubject(root, name, pool, listener);
      }

      @Override
      public boolean isSharedThread(Thread thread) {
        return thread.getName().startsWith("pool-"); // the shared lane pool outlives subjects
      }
    };
  }

  @Override
  public Budget budget() {
    return Budget.quick();
  }

  @Test
  void blockedOnClosersLock_tetherSeesTheLockCycle_failsLoudlyWithCallbackDeadlockException() {
    // Tether's rule 1c: the close reads lock owners, finds the cycle and throws, within the bound.
    CheckResult result = Battery.run(Check.LISTENER_BLOCKED_ON_CLOSERS_LOCK, subjects(), budget());
    assertTrue(
        result.passed()
            && result
                .verdict()
                .startsWith("failed loudly with dev.tether.CallbackDeadlockException"),
        result::message);
  }

  @AfterEach
  void closeAll() {
    root.close();
    pool.shutdownNow();
  }
}
