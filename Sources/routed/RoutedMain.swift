import RoutedCLI

/// The `routed` executable: everything lives in RoutedCLI.
@main
enum RoutedMain {
    static func main() async {
        await Routed.main()
    }
}
