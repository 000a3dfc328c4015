import ArgumentParser
import Dream
import Pipeline

struct PresetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "presets",
        abstract: "List the named presets, the weights and the layers.")

    func run() throws {
        let presets = Preset.available()
        print("Presets (--preset NAME):")
        if presets.isEmpty { print("  none found; searched: \(Preset.searchPath.joined(separator: ", "))") }
        for p in presets { print("  \(p.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(p.description)") }
        print("\nWeights (--weights NAME, in \(WeightsLocator.directory)):")
        for w in WeightsLocator.named { print("  \(w.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(w.about)") }
        print("\nLayers (--layer NAME), shallow to deep:")
        for block in 1...5 { print("  " + Layer.all.filter { $0.block == block }.map(\.name).joined(separator: " ")) }
    }
}
