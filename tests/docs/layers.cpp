// SPDX-License-Identifier: MIT
// ntemu_layers: draws the picture of ntemu's layers from the code itself. Every product file
// (include/ntemu, emu) belongs to one component; each #include of another component's file is a
// "uses" edge. The tool prints the component graph as Graphviz dot — transitively reduced, so
// an arrow is drawn only where no longer path says the same — and fails if the graph has a
// cycle: the data must flow one way. docs/architecture.md embeds the rendering.
//
//   ntemu_layers SOURCE_DIR > layers.dot
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Component {
  const char* name;                // the node's id
  const char* label;               // what it holds
  std::vector<const char*> paths;  // path prefixes, relative to the source root
};

// Most specific prefixes first: a file belongs to the first component one of whose prefixes
// it starts with.
const std::vector<Component>& components() {
  static const std::vector<Component> list = {
      {"cli", "cli/\\nntemu run: parse, check, interpret, races, checks", {"emu/cli/"}},
      {"wdk",
       "wdk/\\nthe WDK surface drivers compile against,\\nand the Harness",
       {"include/ntemu/wdk", "include/ntemu/harness.hpp", "emu/wdk/"}},
      {"kernel",
       "kernel\\nthe executive with its observers wired",
       {"include/ntemu/kernel.hpp", "emu/kernel.cpp"}},
      {"verify",
       "verify/\\nthe verifier: books, findings, audit",
       {"include/ntemu/verify/", "emu/verify/"}},
      {"dump",
       "dbg/ dumps\\nCID table, callback slots, processes",
       {"include/ntemu/dbg/dump.hpp", "emu/dbg/dump.cpp"}},
      {"trace",
       "trace/\\nevents, sinks, the kernel's tracer",
       {"include/ntemu/trace", "emu/trace/"}},
      {"executive",
       "ps/ executive\\nboot, creation, CIDs, notify dispatch,\\nlookups, exit, deletion",
       {"include/ntemu/ps/executive.hpp", "emu/ps/"}},
      {"profile",
       "profile\\nevery version difference, as data",
       {"include/ntemu/profile.hpp", "emu/profile.cpp"}},
      {"ps",
       "ps/ objects\\nprocess, thread, notify routines and arrays,\\nthe observer interface",
       {"include/ntemu/ps/"}},
      {"dbg", "dbg/\\nframes, shadow stack, symbols, kb", {"include/ntemu/dbg/", "emu/dbg/"}},
      {"ob", "ob/\\nobjects, tombstones, handles", {"include/ntemu/ob/", "emu/ob/"}},
      {"ex",
       "ex/\\nhandle table, fast references,\\nrundown, callback blocks",
       {"include/ntemu/ex/", "emu/ex/"}},
      {"support",
       "support/\\nstatus, IDs, locks, pools",
       {"include/ntemu/support/", "emu/support/"}},
  };
  return list;
}

// The component of `path` (relative, '/'-separated), or nullptr for a file outside the product.
const Component* component_of(const std::string& path) {
  // emu/ps/notify_*.cpp implement the ps objects' headers, not the executive.
  if (path.rfind("emu/ps/notify_", 0) == 0) return &components()[8];
  for (const Component& c : components()) {
    for (const char* prefix : c.paths) {
      if (path.rfind(prefix, 0) == 0) return &c;
    }
  }
  return nullptr;
}

std::string relative_path(const fs::path& p, const fs::path& root) {
  return fs::relative(p, root).generic_string();
}

// The target of `#include "x"` (spaces allowed around '#'), or nothing for any other line.
std::optional<std::string> quoted_include(const std::string& line) {
  std::size_t i = line.find_first_not_of(" \t");
  if (i == std::string::npos || line[i] != '#') return std::nullopt;
  i = line.find_first_not_of(" \t", i + 1);
  if (i == std::string::npos || line.compare(i, 7, "include") != 0) return std::nullopt;
  i = line.find_first_not_of(" \t", i + 7);
  if (i == std::string::npos || line[i] != '"') return std::nullopt;
  const std::size_t end = line.find('"', i + 1);
  if (end == std::string::npos || end == i + 1) return std::nullopt;
  return line.substr(i + 1, end - i - 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: ntemu_layers SOURCE_DIR\n");
    return 2;
  }
  const fs::path root = fs::canonical(argv[1]);
  std::vector<fs::path> files;
  for (const char* dir : {"include/ntemu", "emu"}) {
    for (const auto& e : fs::recursive_directory_iterator(root / dir)) {
      const std::string ext = e.path().extension().string();
      if (e.is_regular_file() &&
          (ext == ".hpp" || ext == ".cpp" || ext == ".h" || ext == ".c" || ext == ".inc")) {
        files.push_back(e.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  std::map<std::string, std::set<std::string>> uses;  // component -> components it includes
  for (const fs::path& file : files) {
    const Component* from = component_of(relative_path(file, root));
    if (from == nullptr) continue;
    uses[from->name];
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) {
      const std::optional<std::string> target = quoted_include(line);
      if (!target) continue;
      fs::path resolved = file.parent_path() / *target;  // a sibling file
      if (!fs::exists(resolved)) resolved = root / "include" / *target;
      if (!fs::exists(resolved)) continue;  // generated (version.hpp) or not ours
      const Component* to = component_of(relative_path(fs::canonical(resolved), root));
      if (to != nullptr && to != from) uses[from->name].insert(to->name);
    }
  }
  // Depth-first: a cycle is an error; the reachability gives the transitive reduction.
  std::map<std::string, std::set<std::string>> reach;
  std::map<std::string, int> state;  // 0 new, 1 on the path, 2 done
  std::vector<std::string> path;
  bool cyclic = false;
  auto visit = [&](auto& self, const std::string& n) -> void {
    state[n] = 1;
    path.push_back(n);
    for (const std::string& m : uses[n]) {
      if (state[m] == 1) {
        std::string cycle;
        for (auto it = std::find(path.begin(), path.end(), m); it != path.end(); ++it)
          cycle += *it + " -> ";
        std::fprintf(stderr, "ntemu_layers: cycle: %s%s\n", cycle.c_str(), m.c_str());
        cyclic = true;
        continue;
      }
      if (state[m] == 0) self(self, m);
      reach[n].insert(m);
      reach[n].insert(reach[m].begin(), reach[m].end());
    }
    path.pop_back();
    state[n] = 2;
  };
  for (const Component& c : components()) {
    if (state[c.name] == 0) visit(visit, c.name);
  }
  if (cyclic) return 1;

  std::printf(
      "// Generated by ntemu_layers from the #include lines of include/ntemu and emu; do not "
      "edit.\n"
      "// An arrow A -> B: A uses B. Arrows implied by a longer path are left out.\n"
      "digraph layers {\n"
      "  rankdir=BT;\n"
      "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f4f4f4\", fontname=\"Helvetica\", "
      "fontsize=10];\n"
      "  edge [color=\"#555555\", arrowsize=0.7];\n");
  for (const Component& c : components())
    std::printf("  %s [label=\"%s\"];\n", c.name, c.label);
  for (const Component& c : components()) {
    for (const std::string& m : uses[c.name]) {
      bool implied = false;
      for (const std::string& k : uses[c.name]) {
        if (k != m && reach[k].count(m) != 0) implied = true;
      }
      if (!implied) std::printf("  %s -> %s;\n", c.name, m.c_str());
    }
  }
  std::printf("}\n");
  return 0;
}
