import Hummingbird
import SignService
