/// The version `routed --version` prints.
public enum RoutedVersion {
    public static let string = "0.1.0"
}
