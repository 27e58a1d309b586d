import ArgumentParser
import Inference

/// `pantry llm tiers`: the kernel tiers (``KernelTier``) and which of them this CPU runs.
struct LLMTiers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tiers",
        abstract: "List the inference kernel tiers this CPU supports (PANTRY_CPU_TIER forces one).")

    @Flag(help: "Print only the names of the supported tiers, best first, one per line.")
    var supported = false

    func run() throws {
        let selected = try KernelTier.selected()
        for tier in KernelTier.allCases.reversed() {
            if supported {
                if tier.isSupported { print(tier) }
            } else {
                let state = tier == selected ? "in use" : tier.isSupported ? "supported" : "not supported by this CPU"
                print("\(tier.description.padding(toLength: 11, withPad: " ", startingAt: 0)) \(state)")
            }
        }
    }
}
