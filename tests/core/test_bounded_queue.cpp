#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core/bounded_queue.h"

namespace tabpilot {
namespace {

TEST(BoundedQueue, KeepsOrderAcrossThreadsAndDrainsAfterClose) {
  BoundedQueue<int> queue(2);
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(queue.Push(i));
    queue.Close();
  });
  std::vector<int> got;
  while (auto item = queue.Pop()) got.push_back(*item);
  producer.join();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], i);
  EXPECT_FALSE(queue.Push(1000));  // closed
}

TEST(BoundedQueue, AFullQueueHoldsTheProducer) {
  BoundedQueue<int> queue(2);
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    for (int i = 0; i < 5; ++i) {
      if (!queue.Push(i)) return;
      ++pushed;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(pushed.load(), 2);  // the third Push waits for room
  EXPECT_EQ(queue.Pop(), 0);
  while (pushed.load() < 3) std::this_thread::yield();
  queue.Cancel();  // wakes the producer waiting on its fourth Push
  producer.join();
  EXPECT_EQ(pushed.load(), 3);
  EXPECT_FALSE(queue.Pop().has_value());  // cancelled: queued items are dropped
}

TEST(BoundedQueue, CancelWakesAWaitingConsumer) {
  BoundedQueue<int> queue(1);
  std::thread consumer([&] { EXPECT_FALSE(queue.Pop().has_value()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  queue.Cancel();
  consumer.join();
  EXPECT_FALSE(queue.Push(1));
}

}  // namespace
}  // namespace tabpilot
