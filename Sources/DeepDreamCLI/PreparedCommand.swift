import ArgumentParser

/// The work a command does once its settings are worked out.
typealias Work = () throws -> Void

/// A command that works out every setting from its arguments, and the files they name, before any work:
/// bad input is refused before weights load or a frame is read, and `DeepDream.check` (the fuzz
/// harness) can drive all of it without doing the work.
protocol PreparedCommand: ParsableCommand {
    func prepare() throws -> Work
}

extension PreparedCommand {
    func run() throws { try prepare()() }
}

extension DeepDream {
    /// Parses `arguments` and works out the command's settings, without doing its work.
    public static func check(_ arguments: [String]) throws {
        let command = try parseAsRoot(arguments)
        _ = try (command as? PreparedCommand)?.prepare()
    }
}
