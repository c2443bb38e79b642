// ForkJoinTeam: every item of a shared queue done exactly once, helpers
// taking part whether they spin or sleep, errors re-thrown after the join,
// and a team that stays usable after one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/fork_join.h"

namespace tabpilot {
namespace {

// Burns about `us` microseconds of CPU (a lane's share of real work).
void Busy(std::chrono::microseconds us) {
  const auto end = std::chrono::steady_clock::now() + us;
  while (std::chrono::steady_clock::now() < end) {
  }
}

// Runs `items` items through the team's lanes `runs` times; returns how
// many items helper lanes did, and checks each item was done exactly once.
size_t RunQueue(ForkJoinTeam& team, size_t runs, size_t items, std::chrono::microseconds work,
                std::chrono::milliseconds pause = std::chrono::milliseconds(0)) {
  std::vector<std::atomic<int>> done(items);
  std::atomic<size_t> next{0};
  std::atomic<size_t> by_helpers{0};
  for (size_t run = 0; run < runs; ++run) {
    for (auto& d : done) d.store(0);
    next.store(0);
    auto fn = [&](size_t lane) {
      EXPECT_LT(lane, team.lanes());
      for (size_t i; (i = next.fetch_add(1)) < items;) {
        Busy(work);
        done[i].fetch_add(1);
        if (lane != 0) by_helpers.fetch_add(1);
      }
    };
    team.Run(fn);
    // Run returned: every item is done, once.
    for (size_t i = 0; i < items; ++i) EXPECT_EQ(done[i].load(), 1) << "run " << run << ", item " << i;
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  return by_helpers.load();
}

TEST(ForkJoinTeam, NoHelpersRunsOnTheCaller) {
  ForkJoinTeam team(0);
  EXPECT_EQ(team.lanes(), 1u);
  EXPECT_EQ(RunQueue(team, 10, 5, std::chrono::microseconds(1)), 0u);
}

TEST(ForkJoinTeam, SpinningHelpersTakePartAndEveryItemIsDoneOnce) {
  ForkJoinTeam team(1);
  EXPECT_EQ(team.lanes(), 2u);
  // 2,000 runs of 4 items of 20 us: a spinning helper takes some of them.
  EXPECT_GT(RunQueue(team, 2000, 4, std::chrono::microseconds(20)), 0u);
}

TEST(ForkJoinTeam, SleepingHelpersWakeAndTakePart) {
  // No spin: between runs (2 ms apart) the helpers sleep on the condition
  // variable; items of 2 ms leave them time to wake and take some.
  ForkJoinTeam team(2, std::chrono::microseconds(0));
  EXPECT_EQ(team.lanes(), 3u);
  EXPECT_GT(RunQueue(team, 20, 6, std::chrono::microseconds(2000), std::chrono::milliseconds(2)), 0u);
}

TEST(ForkJoinTeam, ManyShortRunsWithSomeLanesCancelled) {
  // Items shorter than a helper's wake-up: the caller often drains the
  // queue and cancels the helpers' lanes; each run still does every item once.
  ForkJoinTeam team(3, std::chrono::microseconds(5));
  (void)RunQueue(team, 5000, 3, std::chrono::microseconds(0));
}

TEST(ForkJoinTeam, ErrorsAreRethrownAfterTheJoinAndTheTeamGoesOn) {
  ForkJoinTeam team(1);
  // The caller's lane throws: Run waits for the helper, then re-throws.
  std::atomic<int> helper_done{0};
  auto caller_throws = [&](size_t lane) {
    if (lane == 0) throw std::runtime_error("caller lane");
    Busy(std::chrono::microseconds(200));
    helper_done.fetch_add(1);
  };
  for (int i = 0; i < 50; ++i) {
    const int before = helper_done.load();
    try {
      team.Run(caller_throws);
      ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "caller lane");
    }
    // Whether or not the helper took its lane, it is not still running it.
    const int after = helper_done.load();
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    EXPECT_EQ(helper_done.load(), after);
    EXPECT_LE(after - before, 1);
  }
  // A helper's lane throws: re-thrown on the caller once it took the lane.
  // The caller waits for the helper to take part (no queue here), so the
  // helper's lane runs on some run; its error must then surface.
  std::atomic<bool> helper_ran{false};
  auto helper_throws = [&](size_t lane) {
    if (lane == 0) {
      const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
      while (!helper_ran.load() && std::chrono::steady_clock::now() < end) {
      }
      return;
    }
    helper_ran.store(true);
    throw std::runtime_error("helper lane");
  };
  bool thrown = false;
  for (int i = 0; i < 200 && !thrown; ++i) {
    helper_ran.store(false);
    try {
      team.Run(helper_throws);
      EXPECT_FALSE(helper_ran.load()) << "the helper's lane ran and threw, but Run did not re-throw";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "helper lane");
      thrown = true;
    }
  }
  EXPECT_TRUE(thrown);
  // Still usable.
  EXPECT_GT(RunQueue(team, 500, 4, std::chrono::microseconds(20)), 0u);
}

}  // namespace
}  // namespace tabpilot
