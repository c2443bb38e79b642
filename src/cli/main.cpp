#include <iostream>

int main() {
  std::cout << "tabpilot\n";
  return 0;
}
