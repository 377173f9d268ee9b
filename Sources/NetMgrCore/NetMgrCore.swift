public enum NetMgrCore {}
